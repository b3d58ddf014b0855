using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Weights;
using ReMiT.Model;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using ReMiT.Training.Stages;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// Learner role, one actor per rank: runs the stage the coordinator names on a dedicated thread
/// (pre-training, mid-training, RL) and bridges that thread to the cluster. Mid-training batches go
/// to the guide nodes ahead of time (bounded prefetch) and come back with guide scores; RL steps are
/// pulled from the coordinator in order; after every RL update rank 0 publishes the policy to shared
/// storage and announces its version. Ranks stay in lockstep through the MPI collective.
/// <para>
/// No wait is forever: a guide batch or an RL step still unanswered after <c>cluster.retry_after_s</c>
/// is asked for again (the coordinator answers repeats idempotently; rank 0 also re-announces the
/// policies the step needs, in case an announcement was lost), and after <c>cluster.stall_timeout_s</c>
/// the stage fails with an error naming what it waited for.
/// </para>
/// </summary>
public sealed class LearnerWorker : RoleWorker
{
    private readonly ConcurrentDictionary<long, GuideRequest> _guideScores = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<RlStepBatch>> _steps = new();
    private readonly IActorRef _self;
    private string? _running;
    private RunStage? _queued; // the next stage, named while this rank was still finishing the last one
    private volatile ClusterStepSource? _rlSteps; // the RL stage running now (set on the learner thread)

    private sealed record StageEnded(string Stage, string? Error, bool Cancelled);
    private sealed record RetryTick;

    /// <summary>A guide batch sent and not yet scored: when it was first and last sent.</summary>
    private sealed class GuideRequest(GuideWork work, TaskCompletionSource<float[]> scores)
    {
        public GuideWork Work { get; } = work;
        public TaskCompletionSource<float[]> Scores { get; } = scores;
        public long FirstSent { get; } = Stopwatch.GetTimestamp();
        public long LastSent { get; set; } = Stopwatch.GetTimestamp();
    }

    public LearnerWorker(IActorRef coordinator, NodeServices node)
        : base(WorkerRole.Learner, coordinator, node, node.Collective.Rank, node.Collective.Size)
    {
        _self = Self;
        Receive<RunStage>(OnRunStage);
        Receive<GuideScored>(s => { if (_guideScores.TryRemove(s.WorkId, out var request)) request.Scores.TrySetResult(s.TargetLogProbs); });
        Receive<RetryTick>(_ => RetryGuideWork());
        Receive<RlStepBatch>(b => { if (_steps.TryGetValue(b.Step, out var tcs)) tcs.TrySetResult(b); });
        Receive<StageEnded>(e =>
        {
            _running = null;
            // Batches prefetched for scoring that the stage ended without: nobody waits for them any more, and
            // asking again would keep guide nodes scoring for a stage that is over.
            foreach (var (id, request) in _guideScores)
                if (request.Work.Stage == e.Stage && _guideScores.TryRemove(id, out _)) request.Scores.TrySetCanceled();
            if (e.Error is null) { if (Node.Collective.Rank == 0) Coordinator.Tell(new StageCompleted(e.Stage)); }
            else Coordinator.Tell(new StageFailed(e.Stage, e.Cancelled ? "cancelled" : e.Error));
            if (_queued is { } next && e.Error is null) { _queued = null; OnRunStage(next); }
        });
    }

    protected override void OnRegistered(WorkerRegistered registered) { }

    // A new coordinator knows nothing of this rank's outstanding requests: send them again now rather than at
    // the next retry.
    protected override void OnReregistered(WorkerRegistered registered)
    {
        foreach (var request in _guideScores.Values)
        {
            request.LastSent = Stopwatch.GetTimestamp();
            Coordinator.Tell(request.Work, Self);
        }
        _rlSteps?.Reannounce(); // rank 0: the policies the waiting steps need, before the requests
        if (_running is { } stage)
            foreach (int step in _steps.Keys) Coordinator.Tell(new RequestRlStep(stage, step), Self);
    }

    protected override void PreStart()
    {
        base.PreStart();
        Timers.StartPeriodicTimer("retry", new RetryTick(), TimeSpan.FromSeconds(1));
    }

    // Guide batches unanswered for retry_after_s go to the coordinator again (same work id: it dedupes);
    // after stall_timeout_s the batch's task fails, and with it the stage, naming the batch.
    private void RetryGuideWork()
    {
        if (_guideScores.IsEmpty) return;
        var cluster = Node.Run.Config.Cluster;
        foreach (var (id, request) in _guideScores)
        {
            var waited = Stopwatch.GetElapsedTime(request.FirstSent);
            if (waited.TotalSeconds >= cluster.StallTimeoutS)
            {
                if (_guideScores.TryRemove(id, out _))
                    request.Scores.TrySetException(new TimeoutException(
                        $"{request.Work.Stage}: no guide scores for batch {id} after {waited.TotalSeconds:F0} s (cluster.stall_timeout_s); is a guide node up and able to load {request.Work.GuideModel}?"));
            }
            else if (Stopwatch.GetElapsedTime(request.LastSent).TotalSeconds >= cluster.RetryAfterS)
            {
                request.LastSent = Stopwatch.GetTimestamp();
                Coordinator.Tell(request.Work, Self);
            }
        }
    }

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
        var context = Node.StageContext();
        // Rank 0 reports each logged step of a token stage from this (the training) thread, so a hang anywhere in the
        // step stops the reports, and the coordinator's stall watchdog names the stage (RL steps are asked for instead).
        Action<MetricPoint>? reportProgress = Node.Collective.Rank == 0 && stage.Kind != PlannedKind.Rl
            ? point => { if (point.Metric == "loss") Coordinator.Tell(new StageProgress(stage.Name, point.Step), _self); }
            : null;
        context.Metrics.Appended += reportProgress;
        try
        {
            var runner = new StageRunner(Node.Run.ForStage(stage), context, Node.Collective.Size > 1 ? Node.Collective : null)
            {
                PeakFlops = stage.Kind == PlannedKind.Rl ? 0 : Node.PeakFlops,
                OnModelSaved = WeightsStore.SealModel, // the guide checks it by hash before loading it
            };
            switch (stage.Kind)
            {
                case PlannedKind.Pretrain: runner.Pretrain(stage); break;
                case PlannedKind.MidTrain: runner.MidTrain(stage, (rows, cols, inputs, targets) => SubmitGuideWork(stage, rows, cols, inputs, targets), Node.Run.Config.Cluster.GuidePrefetch); break;
                case PlannedKind.Rl: runner.Rl(stage, _rlSteps = new ClusterStepSource(this, stage.Name)); break;
                case PlannedKind.Sft: runner.Sft(stage); break;
                default: throw new InvalidOperationException($"learners do not run {stage.Kind} stages.");
            }
            _rlSteps = null;
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
            if (Node.Collective.Size > 1) AbortJob(stage, e);
            return new StageEnded(stage.Name, e.Message, false);
        }
        finally
        {
            context.Metrics.Appended -= reportProgress;
        }
    }

    // The other ranks wait for this one in their next collective and would wait forever: the coordinator
    // hears the error first (straight from this thread, which owns nothing the actor needs), then
    // MPI_Abort ends every rank of the job and the run stops with this error.
    private void AbortJob(PlannedStage stage, Exception e)
    {
        Coordinator.Tell(new StageFailed(stage.Name, $"learner rank {Node.Collective.Rank}: {e.Message} (the MPI job was aborted)"), _self);
        Thread.Sleep(TimeSpan.FromSeconds(3)); // Tell is asynchronous: give the message time to leave this process
        Node.Collective.Abort(errorCode: 1);
    }

    private Task<float[]> SubmitGuideWork(PlannedStage stage, int rows, int cols, int[] inputs, int[] targets)
    {
        long id = Random.Shared.NextInt64(1, long.MaxValue);
        var tcs = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        var work = new GuideWork(id, stage.Name, stage.Guide!, rows, cols, inputs, targets);
        _guideScores[id] = new GuideRequest(work, tcs);
        Coordinator.Tell(work, _self);
        return tcs.Task;
    }

    /// <summary>RL steps from the cluster: publish the policy, then pull each step's verified rollouts.</summary>
    private sealed class ClusterStepSource(LearnerWorker owner, string stage) : IRlStepSource
    {
        private bool _announcedEarlier;
        private readonly List<WeightsPublished> _announced = []; // rank 0: what it announced, to say again if the coordinator waits

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
                        Announce(new WeightsPublished(earlier.Version.Number, stage, earlier.Step));
                _announcedEarlier = true;
                Announce(new WeightsPublished(version, stage, step));
            }
            // Every rank needs the version (its staleness check); exact as a float up to 2^24 versions.
            Span<float> shared = [version];
            node.Collective.Broadcast(shared, root: 0);
            return (long)shared[0];
        }

        /// <summary>Rank 0: every announcement still kept, again (a new coordinator knows none of them).</summary>
        public void Reannounce()
        {
            WeightsPublished[] again;
            lock (_announced) again = [.. _announced];
            foreach (var a in again) owner.Coordinator.Tell(a, owner._self);
        }

        private void Announce(WeightsPublished announcement)
        {
            lock (_announced)
            {
                _announced.RemoveAll(a => a.Step < announcement.Step - 64); // a step needs the last max_staleness of them
                _announced.Add(announcement);
            }
            owner.Coordinator.Tell(announcement, owner._self);
        }

        // Asks for the step, and again every retry_after_s (rank 0 also repeats the announcements the step's
        // rollouts need: the first ones may have been lost); gives up after stall_timeout_s, naming the step.
        public IReadOnlyList<Rollout> Fetch(int step, CancellationToken cancellation)
        {
            var tcs = owner._steps.GetOrAdd(step, _ => new TaskCompletionSource<RlStepBatch>(TaskCreationOptions.RunContinuationsAsynchronously));
            var config = owner.Node.Run.ForStage(stage).Config;
            var retry = TimeSpan.FromSeconds(config.Cluster.RetryAfterS);
            var clock = Stopwatch.StartNew();
            owner.Coordinator.Tell(new RequestRlStep(stage, step), owner._self);
            RlStepBatch batch;
            while (true)
            {
                try
                {
                    batch = tcs.Task.WaitAsync(retry, cancellation).GetAwaiter().GetResult();
                    break;
                }
                catch (TimeoutException)
                {
                    if (clock.Elapsed.TotalSeconds >= config.Cluster.StallTimeoutS)
                        throw new TimeoutException(
                            $"{stage} step {step}: no verified rollouts from the coordinator after {clock.Elapsed.TotalSeconds:F0} s (cluster.stall_timeout_s); " +
                            "are rollout and verifier nodes up?");
                    int needs = Math.Max(0, step - config.Rl.MaxStaleness);
                    WeightsPublished[] again;
                    lock (_announced) again = _announced.Where(a => a.Step >= needs && a.Step <= step).ToArray();
                    foreach (var a in again) owner.Coordinator.Tell(a, owner._self);
                    owner.Coordinator.Tell(new RequestRlStep(stage, step), owner._self);
                }
            }
            owner._steps.TryRemove(step, out _);
            return batch.Rollouts.Select(r => new Rollout(r.Prompt, r.PromptIds, r.CompletionIds, r.BehaviourLogProbs, r.PolicyVersion, r.Stopped)
            {
                Reward = r.Reward, Correct = r.Correct,
            }).ToList();
        }
    }
}
