using static TorchSharp.torch;

namespace ReMiT.Training.Data;

/// <summary>
/// One batch of rows: <see cref="Inputs"/> (B, T) int64, <see cref="Targets"/> (B, T) int64 (the inputs
/// shifted left by one) and <see cref="Mask"/> (B, T) float32, the loss mask of each target token.
/// The tensors join the dispose scope open when the batch is made, so a training step's
/// <c>using var scope = torch.NewDisposeScope();</c> frees them; outside a scope, dispose the batch.
/// </summary>
public sealed record TokenBatch(Tensor Inputs, Tensor Targets, Tensor Mask) : IDisposable
{
    public long BatchSize => Inputs.shape[0];

    public long SeqLen => Inputs.shape[1];

    /// <summary>Guide scores computed elsewhere ahead of the step (a remote guide node), or null.</summary>
    public Losses.GuideScores? Guide { get; init; }

    /// <summary>One tensor call per field from row-major (B, T) host arrays.</summary>
    internal static TokenBatch FromHost(long[] inputs, long[] targets, float[] mask, int batchSize, int seqLen, Device device)
    {
        long[] shape = [batchSize, seqLen];
        return new TokenBatch(
            tensor(inputs, shape, ScalarType.Int64, device),
            tensor(targets, shape, ScalarType.Int64, device),
            tensor(mask, shape, ScalarType.Float32, device));
    }

    public void Dispose()
    {
        Inputs.Dispose();
        Targets.Dispose();
        Mask.Dispose();
        Guide?.TokenLogProbs.Dispose();
        Guide?.Logits?.Dispose();
    }
}
