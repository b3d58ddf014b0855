using Akka.Actor;
using Akka.Event;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Weights;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Losses;
using ReMiT.Training.Stages;
using static TorchSharp.torch;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// Guide role: holds the frozen RL-tuned guide of the current mid-training and scores the token
/// batches learners submit ahead of their steps, answering with the target tokens' log-probs.
/// Holds as many leases as a learner prefetches (<c>cluster.guide_prefetch</c>), so the next batch is
/// already here when a forward ends (no coordinator round trip between forwards), and computes one
/// at a time: two forwards at once would take the learner's core.
/// </summary>
public sealed class GuideWorker : RoleWorker
{
    private readonly Queue<GuideWork> _queued = new();
    private long? _computing;
    private bool _toppedUp;
    private GuideScorer? _guide;
    private string? _guideName;

    public GuideWorker(IActorRef coordinator, NodeServices node) : base(WorkerRole.Guide, coordinator, node)
    {
        Receive<GuideWork>(w =>
        {
            // The first item shows a run is under way (its config readable): take the rest of the prefetch depth.
            if (!_toppedUp && Node.Run.Config.Cluster.GuidePrefetch > 1)
                AskFor(WorkKind.Guide, Node.Run.Config.Cluster.GuidePrefetch - 1);
            _toppedUp = true;
            if (_computing == w.WorkId || _queued.Any(q => q.WorkId == w.WorkId)) return; // reissued to us while we still hold it: one answer will do
            _queued.Enqueue(w);
            StartNext();
        });
    }

    protected override WorkKind? CreditKind => WorkKind.Guide;

    protected override void OnRegistered(WorkerRegistered registered) => AskFor(WorkKind.Guide, 1);

    // A new coordinator: the whole prefetch depth once a run is under way (the old coordinator's credit is gone).
    protected override void OnReregistered(WorkerRegistered registered) => AskFor(WorkKind.Guide, _toppedUp ? Node.Run.Config.Cluster.GuidePrefetch : 1);

    protected override void OnComputed(long workId)
    {
        _computing = null;
        StartNext();
    }

    private void StartNext()
    {
        if (_computing is not null || !_queued.TryDequeue(out var w)) return;
        _computing = w.WorkId;
        RunOffActor(w.WorkId, WorkKind.Guide, () => Score(w), $"guide scores for {w.Stage}");
    }

    protected override void PostStop() => _guide?.Dispose();

    private GuideScored Score(GuideWork w)
    {
        if (w.Inputs.Length != w.Rows * w.Cols || w.Targets.Length != w.Rows * w.Cols)
            throw new InvalidDataException($"guide work {w.WorkId}: {w.Inputs.Length} inputs and {w.Targets.Length} targets for a {w.Rows}×{w.Cols} batch.");
        if (_guideName != w.GuideModel)
        {
            _guide?.Dispose();
            _guide = null;
            string dir = Node.Run.PathOf("models", RunPaths.ModelName(w.GuideModel)); // a bad name fails this item (WorkFailed)
            WeightsStore.VerifyModel(dir); // sealed by learner rank 0 when its stage ended
            _guide = new GuideScorer(HfCheckpoint.Load(dir, Node.Device));
            _guideName = w.GuideModel;
        }
        using var scope = NewDisposeScope();
        var inputs = tensor(w.Inputs, [w.Rows, w.Cols], device: Node.Device).to(ScalarType.Int64);
        var targets = tensor(w.Targets, [w.Rows, w.Cols], device: Node.Device).to(ScalarType.Int64);
        var scores = _guide!.Score(inputs, targets, GuideNeed.TokenLogProbs)!;
        return new GuideScored(w.WorkId, scores.TokenLogProbs.cpu().data<float>().ToArray());
    }
}
