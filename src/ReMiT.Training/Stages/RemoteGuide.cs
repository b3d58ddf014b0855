using ReMiT.Training.Data;
using ReMiT.Training.Losses;
using static TorchSharp.torch;

namespace ReMiT.Training.Stages;

/// <summary>
/// A guide on another node: this rank's batches are sent for scoring <c>prefetch</c> batches ahead of
/// the learner (<see cref="PrefetchingGuideBatcher"/>), so in steady state the scores are back before
/// the learner asks and <see cref="Waited"/> stays near zero. Token log-probs only: the full
/// distribution KD needs is too large to ship.
/// </summary>
/// <param name="score">Sends one batch to the guide node and completes with its target log-probs.</param>
/// <param name="prefetch">Batches in flight ahead of the learner (≥ 1).</param>
/// <param name="device">Where the scored batches go (the learner's device).</param>
public sealed class RemoteGuide(PrefetchingGuideBatcher.ScoreBatch score, int prefetch, Device device, CancellationToken cancellation) : IGuide
{
    private PrefetchingGuideBatcher? _attached;

    public TimeSpan Waited => _attached?.Waited ?? TimeSpan.Zero;

    public ITokenBatcher Attach(ITokenBatcher shard, GuideNeed need)
    {
        if (need != GuideNeed.TokenLogProbs)
            throw new ArgumentException($"a remote guide gives token log-probs only, and the weighting needs {need}; run that guide in the learner.", nameof(need));
        if (_attached is not null) throw new InvalidOperationException("a remote guide serves one stream; make one per stage.");
        return _attached = new PrefetchingGuideBatcher(shard, prefetch, score, device, cancellation);
    }

    public void Dispose() { }
}
