using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using ReMiT.Training.Data;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Distributed;

/// <summary>
/// Data parallelism over an <see cref="ICollective"/>: every rank holds the whole model and
/// optimizer, takes its own rows of each global batch, and gradients are averaged before every
/// step, so all ranks take the same step from the same weights. Tensors reach the collective
/// through host memory: a contiguous CPU float32 tensor is handed over in place (no copy); anything
/// else (a CUDA tensor) is staged through a pinned host copy and copied back.
/// Every helper accepts a null or one-rank collective and then does nothing, so single-process
/// training runs exactly the code it ran before data parallelism existed.
/// </summary>
public static class DataParallel
{
    // 1 GiB of float32: a span's byte length and an MPI call's byte count stay below 2^31.
    internal const long PieceElements = 1L << 28;

    private delegate void HostOp(Span<float> data);

    /// <summary>True when there are other ranks to talk to.</summary>
    internal static bool IsDistributed([NotNullWhen(true)] ICollective? collective) => collective is { Size: > 1 };

    /// <summary>True on the rank that writes checkpoints and logs (rank 0, or the only process).</summary>
    public static bool IsLead(ICollective? collective) => collective is null || collective.Rank == 0;

    /// <summary>Rank <paramref name="rank"/>'s rows of a <paramref name="rows"/>-row batch: [r·B/N, (r+1)·B/N).</summary>
    public static (long Start, long Count) RowRange(long rows, int rank, int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (rank < 0 || rank >= size)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {size}) for {size} ranks.");
        if (rows % size != 0)
            throw new ArgumentException(
                $"a batch of B = {rows} rows does not split evenly over N = {size} ranks; make the global batch size a multiple of the rank count.",
                nameof(rows));
        long count = rows / size;
        return (rank * count, count);
    }

    /// <summary>Rank <paramref name="rank"/>'s rows of <paramref name="batch"/>, as views (no copy).</summary>
    public static TokenBatch ShardRows(TokenBatch batch, int rank, int size)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var (start, count) = RowRange(batch.BatchSize, rank, size);
        return new TokenBatch(batch.Inputs.narrow(0, start, count), batch.Targets.narrow(0, start, count), batch.Mask.narrow(0, start, count));
    }

    /// <summary>
    /// A batcher yielding this rank's rows of <paramref name="batcher"/>'s global batches; the batcher
    /// itself when there is one rank. Every rank reads the same global stream, so the cursor is global.
    /// </summary>
    public static ITokenBatcher ShardRows(ITokenBatcher batcher, ICollective? collective) =>
        IsDistributed(collective) ? new RankShardBatcher(batcher, collective.Rank, collective.Size) : batcher;

    /// <summary>Sums a float32 tensor over ranks, in place.</summary>
    public static void AllReduceSum(Tensor data, ICollective? collective)
    {
        if (IsDistributed(collective)) OnHost(data, nameof(data), collective.AllReduceSum);
    }

    /// <summary>Averages a float32 tensor (e.g. <see cref="FlatAdamW.Gradient"/>) over ranks, in place.</summary>
    public static void AllReduceAverage(Tensor data, ICollective? collective)
    {
        if (!IsDistributed(collective)) return;
        OnHost(data, nameof(data), collective.AllReduceSum);
        using var noGrad = no_grad();
        data.div_(collective.Size);
    }

    /// <summary>Overwrites a float32 tensor on every rank with rank <paramref name="root"/>'s.</summary>
    public static void Broadcast(Tensor data, ICollective? collective, int root = 0)
    {
        if (IsDistributed(collective)) OnHost(data, nameof(data), span => collective.Broadcast(span, root));
    }

    /// <summary>
    /// ZeRO-1's gradient sync for one bucket (<see cref="ShardLayout.Buckets"/>): sums the float32 <paramref name="bucket"/>
    /// (Size blocks) over ranks and leaves this rank's block of the average (sum / N, the same division plain data
    /// parallelism makes) in <paramref name="block"/>. <paramref name="bucket"/> is not modified.
    /// </summary>
    internal static void ReduceScatterAverage(Tensor bucket, Tensor block, ICollective collective)
    {
        CheckBucket(bucket, block, collective);
        if (bucket.dtype != ScalarType.Float32)
            throw new ArgumentException($"the reduce-scatter sums float32; got {bucket.dtype}.", nameof(bucket));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hostBucket = HostView(bucket, copyIn: true);
        var hostBlock = HostView(block, copyIn: false);
        collective.ReduceScatterSum(MemoryMarshal.Cast<byte, float>(hostBucket.bytes), MemoryMarshal.Cast<byte, float>(hostBlock.bytes));
        hostBlock.div_(collective.Size);
        if (!ReferenceEquals(hostBlock, block)) block.copy_(hostBlock);
    }

    /// <summary>
    /// ZeRO-1's parameter sync for one bucket: concatenates every rank's <paramref name="block"/> into
    /// <paramref name="bucket"/> on every rank, both float32 or both bfloat16 (moved as 16-bit values, bits unchanged).
    /// </summary>
    internal static void AllGather(Tensor block, Tensor bucket, ICollective collective)
    {
        CheckBucket(bucket, block, collective);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var hostBlock = HostView(block, copyIn: true);
        var hostBucket = HostView(bucket, copyIn: false);
        if (bucket.dtype == ScalarType.Float32)
            collective.AllGather(MemoryMarshal.Cast<byte, float>(hostBlock.bytes), MemoryMarshal.Cast<byte, float>(hostBucket.bytes));
        else if (bucket.dtype == ScalarType.BFloat16)
            collective.AllGather(MemoryMarshal.Cast<byte, ushort>(hostBlock.bytes), MemoryMarshal.Cast<byte, ushort>(hostBucket.bytes));
        else
            throw new ArgumentException($"the all-gather moves float32 or bfloat16; got {bucket.dtype}.", nameof(bucket));
        if (!ReferenceEquals(hostBucket, bucket)) bucket.copy_(hostBucket);
    }

    private static void CheckBucket(Tensor bucket, Tensor block, ICollective collective)
    {
        ArgumentNullException.ThrowIfNull(bucket);
        ArgumentNullException.ThrowIfNull(block);
        ArgumentNullException.ThrowIfNull(collective);
        if (bucket.dtype != block.dtype)
            throw new ArgumentException($"bucket and block must share a dtype; got {bucket.dtype} (bucket) and {block.dtype} (block).", nameof(block));
        if (bucket.dim() != 1 || block.dim() != 1 || bucket.numel() != collective.Size * block.numel())
            throw new ArgumentException(
                $"expected a 1-D bucket of {collective.Size} ranks x the block's {block.numel()} elements, got shapes [{string.Join(",", bucket.shape)}] and [{string.Join(",", block.shape)}].",
                nameof(bucket));
    }

    // The tensor itself when it is a contiguous CPU tensor, else a host copy (pinned for CUDA) the caller copies back.
    private static Tensor HostView(Tensor data, bool copyIn)
    {
        if (data.device_type == DeviceType.CPU && data.is_contiguous()) return data;
        var host = empty(data.shape, data.dtype, CPU);
        if (data.device_type == DeviceType.CUDA) host = host.pin_memory();
        if (copyIn) host.copy_(data);
        return host;
    }

    /// <summary>
    /// Makes every rank start from rank <paramref name="root"/>'s weights: broadcasts the float32
    /// masters and writes them into the model (nothing for a ZeRO-1 optimizer, which did so when built). The moments need no broadcast: they are zero at the
    /// start, or restored by every rank from the same checkpoint.
    /// </summary>
    public static void BroadcastMaster(FlatAdamW optimizer, ICollective? collective, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        // A sharded (ZeRO-1) optimizer holds no full master to broadcast: its constructor, the one moment a
        // full copy exists, already started every rank from rank 0's weights, and a checkpoint is then read
        // identically by every rank.
        if (!IsDistributed(collective) || optimizer.IsSharded) return;
        Broadcast(optimizer.Master, collective, root);
        optimizer.WriteMasterToModel();
    }

    /// <summary>
    /// Rescales one micro-batch's token loss so that averaging over ranks gives the single-process
    /// loss. A weighting divides this rank's weighted sum by its own token count C_r
    /// (<see cref="TokenLossResult.TokenCount"/>); one process over the whole micro-batch divides by
    /// C = Σ C_r. Scaling by N·C_r/C makes the rank's loss Σ_rank / (C/N), whose average over the N
    /// ranks — and so the averaged gradient — is Σ_all / C. The stats are scaled alike, so their
    /// average is the token-weighted global mean (for the std, the mean of the ranks' stds).
    /// Costs a host sync and a one-float all-reduce per micro-batch.
    /// </summary>
    public static TokenLossResult ToGlobalTokenShare(TokenLossResult result, ICollective? collective)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!IsDistributed(collective)) return result;
        float local = result.TokenCount.item<float>();
        Span<float> total = [local];
        collective.AllReduceSum(total);
        double scale = total[0] > 0 ? collective.Size * (double)local / total[0] : 0.0; // all padding: the loss is 0 anyway
        var s = result.Stats;
        return new TokenLossResult(result.Loss * scale, result.TokenCount,
            new WeightStats(s.Mean * scale, s.Std * scale, s.ClippedShare * scale, s.SelectedShare * scale));
    }

    /// <summary>Averages a few one-element tensors (logged stats) over ranks in place: one sync, one all-reduce.</summary>
    public static void AverageScalars(ICollective? collective, params Tensor[] scalars)
    {
        if (!IsDistributed(collective)) return;
        float[] values = scalars.Select(t => t.item<float>()).ToArray();
        collective.AllReduceSum(values);
        for (int i = 0; i < scalars.Length; i++)
            scalars[i].fill_(values[i] / collective.Size);
    }

    // Hands the tensor's float32 data to op as spans: in place for a contiguous CPU tensor, else via
    // a host copy (pinned for CUDA, so the copies run at DMA speed). A span holds under 2^31 bytes,
    // so big tensors go in pieces of PieceElements — the same pieces on every rank.
    private static void OnHost(Tensor data, string name, HostOp op)
    {
        ArgumentNullException.ThrowIfNull(data, name);
        if (data.dtype != ScalarType.Float32)
            throw new ArgumentException($"{name} must be float32 for the collective, got {data.dtype}.", name);
        if (data.device_type == DeviceType.CPU && data.is_contiguous())
        {
            InPieces(data, op);
            return;
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var host = empty(data.shape, ScalarType.Float32, CPU);
        if (data.device_type == DeviceType.CUDA) host = host.pin_memory();
        host.copy_(data);
        InPieces(host, op);
        data.copy_(host);
    }

    // The span goes straight over the tensor's storage, plus the view's offset: no copy.
    private static unsafe void InPieces(Tensor contiguousCpu, HostOp op)
    {
        using var scope = NewDisposeScope(); // storage<float>() holds a second handle to the tensor
        float* first = (float*)contiguousCpu.storage<float>().data_ptr() + contiguousCpu.storage_offset();
        long count = contiguousCpu.numel();
        for (long at = 0; at < count; at += PieceElements)
            op(new Span<float>(first + at, (int)Math.Min(PieceElements, count - at)));
    }
}
