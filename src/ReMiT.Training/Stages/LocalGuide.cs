using System.Diagnostics;
using ReMiT.Training.Data;
using ReMiT.Training.Losses;

namespace ReMiT.Training.Stages;

/// <summary>
/// The guide model in the learner's process: scores each batch on the learner's thread when the
/// learner draws it, so every forward is time the learner waits. The only guide that can give the
/// full distribution (KD), which is too large to ship between nodes.
/// </summary>
public sealed class LocalGuide(GuideScorer scorer) : IGuide
{
    private readonly GuideScorer _scorer = scorer;
    private readonly Stopwatch _waited = new();

    public TimeSpan Waited => _waited.Elapsed;

    public ITokenBatcher Attach(ITokenBatcher shard, GuideNeed need) => new Scored(shard, need, this);

    public void Dispose() => _scorer.Dispose();

    private sealed class Scored(ITokenBatcher inner, GuideNeed need, LocalGuide owner) : ITokenBatcher
    {
        public DataCursor Cursor => inner.Cursor;

        public TokenBatch Next()
        {
            var batch = inner.Next();
            owner._waited.Start();
            try { return batch with { Guide = owner._scorer.Score(batch.Inputs, batch.Targets, need) }; }
            finally { owner._waited.Stop(); }
        }
    }
}
