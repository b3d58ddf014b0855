using static TorchSharp.torch;

namespace ReMiT.Model;

/// <summary>
/// The input gradient a <see cref="CheckpointedBlock"/> backward last handed to libtorch. LibTorch copies the
/// tensor as the backward returns, so the managed handle may be freed afterwards, but not inside the backward
/// itself; without this it would hold the gradient's memory until the garbage collector ran. Each handle is
/// freed when the next one replaces it (the next block's backward, or the next checkpointed forward).
/// </summary>
internal sealed class ReturnedGradients
{
    private readonly Lock _lock = new();
    private Tensor? _last;

    /// <summary>Frees the previously returned gradient and keeps <paramref name="next"/> (null: keep none).</summary>
    public void Replace(Tensor? next)
    {
        lock (_lock)
        {
            _last?.Dispose();
            _last = next;
        }
    }
}
