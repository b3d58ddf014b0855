using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Weights;
using ReMiT.Model;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Stages;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// Learner role, one actor per rank: runs the stage the coordinator names on a dedicated thread
/// (pre-training, mid-training, RL) and bridges that thread to the cluster. Mid-training batches go
/// to the guide nodes ahead of time (bounded prefetch) and come back with guide scores; RL steps are
/// pulled from the coordinator in order; after every RL update rank 0 publishes the policy to shared
/// storage and announces its version. Ranks stay in lockstep through the MPI collective.
/// </summary>
public sealed class LearnerWorker : RoleWorker
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<float[]>> _guideScores = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<RlStepBatch>> _steps = new();
    private readonly IActorRef _self;
    private string? _running;
    private RunStage? _queued; // the next stage, named while this rank was still finishing the last one

    private sealed record StageEnded(string Stage, string? Error, bool Cancelled);

    public LearnerWorker(IActorRef coordinator, NodeServices node)
        : base("learner", coordinator, node, node.Collective.Rank, node.Collective.Size)
    {
        _self = Self;
        Receive<RunStage>(OnRunStage);
        Receive<GuideScored>(s => { if (_guideScores.TryRemove(s.WorkId, out var tcs)) tcs.TrySetResult(s.TargetLogProbs); });
        Receive<RlStepBatch>(b => { if (_steps.TryGetValue(b.Step, out var tcs)) tcs.TrySetResult(b); });
        Receive<StageEnded>(e =>
        {
            _running = null;
            if (e.Error is null) { if (Node.Collective.Rank == 0) Coordinator.Tell(new StageCompleted(e.Stage)); }
            else Coordinator.Tell(new StageFailed(e.Stage, e.Cancelled ? "cancelled" : e.Error));
            if (_queued is { } next && e.Error is null) { _queued = null; OnRunStage(next); }
        });
    }

    protected override void OnRegistered(WorkerRegistered registered) { }

    private void OnRunStage(RunStage command)
    {
        if (_running == command.Stage) return; // the coordinator re-sent it after we re-registered
        if (_running is not null)
        {
            // Rank 0 reports a stage done as soon as it finishes; another rank may still be leaving it.
            // Dropping the command here would leave this rank idle and the others waiting for it in MPI.
            Log.Info("{0} named while {1} is still finishing on this rank; it starts right after", command.Stage, _running);
            _queued = command;
            return;
        }
        if (BadName(command) is { } bad)
        {
            // The names become folders in the run directory; a bad one fails this stage, not the node.
            Log.Error("{0}", bad);
            Coordinator.Tell(new StageFailed(command.Stage, bad));
            return;
        }
        _running = command.Stage;
        _steps.Clear();
        // The plan's own stage carries its config overrides; the message names it.
        var stage = Node.Run.Plan.FirstOrDefault(s => s.Name == command.Stage)
                    ?? new PlannedStage(command.Stage, Enum.Parse<PlannedKind>(command.Kind), command.From, command.To, command.Weighting, command.Guide);
        Node.StartWork($"learner {stage.Name}", () => _self.Tell(RunStageBody(stage)));
    }

    // Why the command cannot run: one of its names would leave the run directory; null when all are plain names.
    private static string? BadName(RunStage command)
    {
        try
        {
            RunPaths.StageName(command.Stage);
            if (command.From.Length > 0) RunPaths.ModelName(command.From); // empty: pre-training starts from scratch
            RunPaths.ModelName(command.To);
            if (!string.IsNullOrEmpty(command.Guide)) RunPaths.ModelName(command.Guide);
            return null;
        }
        catch (InvalidDataException e)
        {
            return $"stage {command.Stage} refused: {e.Message}";
        }
    }

    // The learner thread: the stage's whole loop, blocking only this thread.
    private StageEnded RunStageBody(PlannedStage stage)
    {
        try
        {
            var runner = new StageRunner(Node.Run.ForStage(stage), Node.StageContext(), Node.Collective.Size > 1 ? Node.Collective : null)
            {
                PeakFlops = stage.Kind == PlannedKind.Rl ? 0 : Node.PeakFlops,
                OnModelSaved = WeightsStore.SealModel, // the guide checks it by hash before loading it
            };
            switch (stage.Kind)
            {
                case PlannedKind.Pretrain: runner.Pretrain(stage); break;
                case PlannedKind.MidTrain: runner.MidTrain(stage, (rows, cols, inputs, targets) => SubmitGuideWork(stage, rows, cols, inputs, targets), Node.Run.Config.Cluster.GuidePrefetch); break;
                case PlannedKind.Rl: runner.Rl(stage, new ClusterStepSource(this, stage.Name)); break;
                case PlannedKind.Sft: runner.Sft(stage); break;
                default: throw new InvalidOperationException($"learners do not run {stage.Kind} stages.");
            }
            if (stage.Kind == PlannedKind.Rl && Node.Collective.Rank == 0) WeightsStore.PruneStage(Node.RunDirectory, stage.Name, keepFromStep: int.MaxValue);
            return new StageEnded(stage.Name, null, false);
        }
        catch (OperationCanceledException) when (Node.Cancellation.IsCancellationRequested)
        {
            return new StageEnded(stage.Name, "cancelled", true);
        }
        catch (Exception e)
        {
            Node.Log.WriteLine($"{stage.Name}: failed: {e}");
            return new StageEnded(stage.Name, e.Message, false);
        }
    }

    private Task<float[]> SubmitGuideWork(PlannedStage stage, int rows, int cols, int[] inputs, int[] targets)
    {
        long id = Random.Shared.NextInt64(1, long.MaxValue);
        var tcs = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _guideScores[id] = tcs;
        Coordinator.Tell(new GuideWork(id, stage.Name, stage.Guide!, rows, cols, inputs, targets), _self);
        return tcs.Task;
    }

    /// <summary>RL steps from the cluster: publish the policy, then pull each step's verified rollouts.</summary>
    private sealed class ClusterStepSource(LearnerWorker owner, string stage) : IRlStepSource
    {
        private bool _announcedEarlier;

        public long PolicyReady(DecoderModel policy, int step)
        {
            var node = owner.Node;
            int version = 0;
            if (node.Collective.Rank == 0)
            {
                var clock = Stopwatch.StartNew();
                var v = WeightsStore.PublishPolicy(policy, node.RunDirectory, stage, step);
                version = v.Number;
                node.Metrics.WeightsPublishSeconds.Observe(clock.Elapsed.TotalSeconds);
                node.Metrics.PolicyVersion.Set(version);
                // Steps a resume from the last checkpoint may still need to regenerate are kept.
                var rl = node.Run.ForStage(stage).Config.Rl;
                int k = rl.MaxStaleness;
                WeightsStore.PruneStage(node.RunDirectory, stage, keepFromStep: step - k - rl.CheckpointEvery);
                // A resumed stage's first steps are generated by policies published before the interruption.
                if (!_announcedEarlier)
                    foreach (var earlier in WeightsStore.Published(node.RunDirectory, stage).Where(p => p.Step >= step - k && p.Step < step))
                        owner.Coordinator.Tell(new WeightsPublished(earlier.Version.Number, stage, earlier.Step), owner._self);
                _announcedEarlier = true;
                owner.Coordinator.Tell(new WeightsPublished(version, stage, step), owner._self);
            }
            // Every rank needs the version (its staleness check); exact as a float up to 2^24 versions.
            Span<float> shared = [version];
            node.Collective.Broadcast(shared, root: 0);
            return (long)shared[0];
        }

        public IReadOnlyList<Rollout> Fetch(int step, CancellationToken cancellation)
        {
            var tcs = owner._steps.GetOrAdd(step, _ => new TaskCompletionSource<RlStepBatch>(TaskCreationOptions.RunContinuationsAsynchronously));
            owner.Coordinator.Tell(new RequestRlStep(stage, step), owner._self);
            var batch = tcs.Task.WaitAsync(cancellation).GetAwaiter().GetResult();
            owner._steps.TryRemove(step, out _);
            return batch.Rollouts.Select(r => new Rollout(r.Prompt, r.PromptIds, r.CompletionIds, r.BehaviourLogProbs, r.PolicyVersion, r.Stopped)
            {
                Reward = r.Reward, Correct = r.Correct,
            }).ToList();
        }
    }
}
