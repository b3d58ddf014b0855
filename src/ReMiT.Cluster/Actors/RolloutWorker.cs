using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Weights;
using ReMiT.Model;
using ReMiT.Training.Data;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using ReMiT.Training.Stages;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// Rollout role: takes one lease at a time — G completions for a few prompts of an RL step with the
/// exact policy version the lease names (loaded from shared storage after its SHA-256 manifest
/// checks out), or the evaluation of a trained model — and sends the result to the coordinator.
/// Leases that arrive while one runs wait in a queue, so the policy is never swapped or disposed
/// under a generation in progress; a lease handed out again while this node still works on it (its
/// first lease timed out) is not run twice.
/// </summary>
public sealed class RolloutWorker : RoleWorker
{
    private DecoderModel? _policy;
    private int _policyVersion = -1;
    private (string Stage, int Step, EvalItem[] Items)? _stepPrompts;
    private readonly Queue<(long WorkId, Action Start)> _queued = new();
    private long? _running;

    public RolloutWorker(IActorRef coordinator, NodeServices node) : base(WorkerRole.Rollout, coordinator, node)
    {
        Receive<RolloutWork>(w => Enqueue(w.WorkId, () => RunOffActor(w.WorkId, WorkKind.Rollout, () => Generate(w), $"rollouts for {w.Stage} step {w.Step}")));
        Receive<EvalWork>(w => Enqueue(w.WorkId, () => RunOffActor(w.WorkId, WorkKind.Eval, () => Evaluate(w), $"evaluation of {w.Model}")));
        Receive<WeightsPublished>(_ => { }); // loaded when a lease asks for it
    }

    protected override WorkKind? CreditKind => WorkKind.Rollout;

    private void Enqueue(long workId, Action start)
    {
        if (_running == workId || _queued.Any(q => q.WorkId == workId)) return; // reissued to us while we still hold it: one result will do
        _queued.Enqueue((workId, start));
        StartNext();
    }

    private void StartNext()
    {
        if (_running is not null || !_queued.TryDequeue(out var next)) return;
        _running = next.WorkId;
        next.Start();
    }

    protected override void OnComputed(long workId)
    {
        _running = null;
        StartNext();
    }

    protected override void OnRegistered(WorkerRegistered registered) => AskFor(WorkKind.Rollout, 1);

    protected override void PostStop() => _policy?.Dispose();

    private RolloutsDone Generate(RolloutWork w)
    {
        RunPaths.StageName(w.Stage); // it names files (rl.ops = auto reads the stage's calibration); a bad one fails this item
        var run = Node.Run.ForStage(w.Stage);
        var rl = run.Config.Rl;
        if (_policyVersion != w.WeightsVersion)
        {
            var clock = Stopwatch.StartNew();
            _policy?.Dispose();
            _policy = null;
            _policy = WeightsStore.Load(new WeightsVersion(w.WeightsVersion), run.RunDirectory, Node.Device);
            _policyVersion = w.WeightsVersion;
            Node.Metrics.WeightsLoadSeconds.Observe(clock.Elapsed.TotalSeconds);
            Node.Metrics.PolicyVersion.Set(w.WeightsVersion);
        }
        if (_stepPrompts?.Step != w.Step || _stepPrompts?.Stage != w.Stage) _stepPrompts = (w.Stage, w.Step, RlPrompts.ForStage(run, w.Stage).ForStep(w.Step));
        var items = _stepPrompts.Value.Items.Skip(w.FirstPrompt).Take(w.PromptCount).ToArray();
        var generator = new RolloutGenerator(run.Tokenizer, rl.MaxNewTokens, rl.Temperature, rl.GroupSize);
        var rollouts = generator.Generate(_policy!, items, w.WeightsVersion, w.Seed);
        Node.Metrics.RolloutTokens.WithLabels(w.Stage).Inc(rollouts.Sum(r => r.CompletionIds.Length));
        return new RolloutsDone(w.WorkId, w.Stage, w.Step, rollouts.Select(r => new RolloutRecord(
            w.FirstPrompt + r.Group, r.PromptIds, r.CompletionIds, r.BehaviourLogProbs, w.WeightsVersion, r.Stopped, 0, false)).ToArray());
    }

    private EvalDone Evaluate(EvalWork w)
    {
        var rows = new StageRunner(Node.Run.ForEval(w.Model), Node.StageContext()).Evaluate(w.Model);
        return new EvalDone(w.WorkId, w.Model, ResultsFile.RowsToJson(rows));
    }
}
