using ReMiT.Training.Data;
using ReMiT.Training.Losses;

namespace ReMiT.Training.Stages;

/// <summary>
/// The guide of a guided mid-training, as the learner loop sees it: it attaches the guide's scores
/// to this rank's already-sharded batches. Two implementations: <see cref="LocalGuide"/> (the guide
/// model in the learner, one forward per batch on the learner's own time) and <see cref="RemoteGuide"/>
/// (a guide node scoring batches ahead of the learner). The loop shards once, attaches the guide,
/// and never asks which one it has.
/// </summary>
public interface IGuide : IDisposable
{
    /// <summary>Wraps this rank's stream so every batch it hands out carries what <paramref name="need"/> asks for.</summary>
    /// <exception cref="ArgumentException">This guide cannot give what <paramref name="need"/> asks for.</exception>
    ITokenBatcher Attach(ITokenBatcher shard, GuideNeed need);

    /// <summary>Wall time the learner has spent waiting for scores so far (a local guide: its forwards).</summary>
    TimeSpan Waited { get; }
}
