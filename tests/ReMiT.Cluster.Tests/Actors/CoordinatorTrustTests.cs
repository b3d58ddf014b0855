using System.Collections.Concurrent;
using Akka.Actor;
using Akka.Configuration;
using ReMiT.Cluster.Actors;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;
using ReMiT.Cluster.Metrics;
using ReMiT.Cluster.Tests.Messages.Serialization;
using ReMiT.Training.Flywheel;

namespace ReMiT.Cluster.Tests.Actors;

/// <summary>
/// A real <see cref="Coordinator"/> on a one-node cluster (every role, 127.0.0.1, random port), with
/// stand-in workers that record what they are told, and a stranger: an actor in a second ActorSystem
/// that reaches the coordinator over remoting without being a cluster member.
/// </summary>
public sealed class CoordinatorTrustTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDir _dir = new();
    private readonly ActorSystem _cluster;
    private readonly ActorSystem _outsider;
    private readonly RemitMetrics _metrics = new();
    private readonly IActorRef _coordinator;

    public CoordinatorTrustTests()
    {
        _cluster = ActorSystem.Create("remit", Node("""
            akka.actor.provider = cluster
            akka.cluster.roles = [coordinator, rollout, verifier, guide, learner]
            """));
        var cluster = Akka.Cluster.Cluster.Get(_cluster);
        var up = new TaskCompletionSource();
        cluster.RegisterOnMemberUp(() => up.TrySetResult());
        cluster.Join(cluster.SelfAddress);
        if (!up.Task.Wait(Patience)) throw new TimeoutException("the one-node cluster did not come up"); // a constructor cannot await
        _outsider = ActorSystem.Create("outsider", Node("akka.actor.provider = remote"));

        var config = ConfigLoader.Load(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "presets", "smoke.json"));
        var run = RunContext.Prepare(config, _dir.Path, resume: false, TextWriter.Null);
        _coordinator = _cluster.ActorOf(Props.Create(() => new Coordinator(run, _metrics, new TaskCompletionSource<string?>(), TextWriter.Null)), "coordinator-under-test");
    }

    public void Dispose()
    {
        Task.WaitAll([_outsider.Terminate(), _cluster.Terminate()], TimeSpan.FromSeconds(20));
        _dir.Dispose();
    }

    private static Config Node(string extra) => ConfigurationFactory.ParseString($$"""
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = OFF
        {{extra}}
        """).WithFallback(RemitHocon.Config);

    /// <summary>Stands in for a worker: registers as <c>role</c> when told to, records everything else.</summary>
    private sealed class Probe : ReceiveActor
    {
        public Probe(BlockingCollection<object> seen) => ReceiveAny(m =>
        {
            if (m is SendAs f) f.To.Tell(f.Message);
            else seen.Add(m);
        });
    }

    /// <summary>Makes a probe send <see cref="Message"/> to <see cref="To"/> as itself.</summary>
    private sealed record SendAs(IActorRef To, object Message);

    private (IActorRef Ref, BlockingCollection<object> Seen) StartProbe(ActorSystem system, string name)
    {
        var seen = new BlockingCollection<object>();
        return (system.ActorOf(Props.Create(() => new Probe(seen)), name), seen);
    }

    private (IActorRef Ref, BlockingCollection<object> Seen) Registered(string name, string role, int rank = 0)
    {
        var probe = StartProbe(_cluster, name);
        probe.Ref.Tell(new SendAs(_coordinator, new RegisterWorker(role, rank, 1, 1, "test", 0)));
        Next<WorkerRegistered>(probe.Seen);
        return probe;
    }

    private static T Next<T>(BlockingCollection<object> seen)
    {
        while (seen.TryTake(out var m, Patience))
            if (m is T t) return t;
        throw new TimeoutException($"no {typeof(T).Name} within {Patience.TotalSeconds} s");
    }

    private void AwaitRejected(string reason, double count)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (_metrics.MessagesRejected.WithLabels(reason).Value < count && DateTime.UtcNow < deadline) Thread.Sleep(20);
        Assert.Equal(count, _metrics.MessagesRejected.WithLabels(reason).Value);
    }

    [Fact]
    public async Task RegisterWorker_FromAProcessOutsideTheCluster_IsRefusedAndCounted()
    {
        var (stranger, seen) = StartProbe(_outsider, "stranger");
        var address = Akka.Cluster.Cluster.Get(_cluster).SelfAddress;
        var coordinator = await _outsider.ActorSelection(new RootActorPath(address) / "user" / "coordinator-under-test").ResolveOne(Patience);

        stranger.Tell(new SendAs(coordinator, new RegisterWorker("rollout", 0, 1, 1, "rogue", 0)));
        stranger.Tell(new SendAs(coordinator, new StageCompleted("pretrain")));
        stranger.Tell(new SendAs(coordinator, new RolloutsVerified(1, "rl", 0, [])));

        AwaitRejected(RejectReasons.NotMember, 3);
        Assert.False(seen.TryTake(out var answer, TimeSpan.FromMilliseconds(300)), $"the stranger was answered: {answer}");
    }

    [Fact]
    public void Results_FromNonHoldersWrongRolesAndStrangers_AreRefused_TheHoldersResultIsUsed()
    {
        var learner = Registered("learner", "learner");
        var guide = Registered("guide", "guide");
        var otherGuide = Registered("other-guide", "guide");
        var rollout = Registered("rollout", "rollout");
        var stranger = StartProbe(_cluster, "unregistered");

        learner.Ref.Tell(new SendAs(_coordinator, new GuideWork(77, "midtrain:x", "rl-base", 1, 2, [1, 2], [2, 3])));
        guide.Ref.Tell(new SendAs(_coordinator, new RequestWork(WorkKinds.Guide, 1)));
        Assert.Equal(77, Next<GuideWork>(guide.Seen).WorkId);

        otherGuide.Ref.Tell(new SendAs(_coordinator, new GuideScored(77, [-9f, -9f])));      // never handed work 77
        rollout.Ref.Tell(new SendAs(_coordinator, new GuideScored(77, [-9f, -9f])));         // a rollout node does not score
        stranger.Ref.Tell(new SendAs(_coordinator, new GuideScored(77, [-9f, -9f])));        // not registered at all
        otherGuide.Ref.Tell(new SendAs(_coordinator, new WorkFailed(77, WorkKinds.Guide, "forged failure")));
        rollout.Ref.Tell(new SendAs(_coordinator, new WeightsPublished(5, "rl", 0)));        // only learner rank 0 announces
        AwaitRejected(RejectReasons.NotLeaseHolder, 2);
        AwaitRejected(RejectReasons.WrongRole, 2);
        AwaitRejected(RejectReasons.NotMember, 1);

        guide.Ref.Tell(new SendAs(_coordinator, new GuideScored(77, [-1f, -2f])));
        var scored = Next<GuideScored>(learner.Seen);
        Assert.Equal([-1f, -2f], scored.TargetLogProbs);
        Assert.Equal(0, _metrics.DuplicateResultsDropped.Value);
    }

    [Fact]
    public void GuideWork_AskedAgainAfterItWasScored_GetsTheSameScoresAgain()
    {
        var learner = Registered("learner", "learner");
        var guide = Registered("guide", "guide");
        var work = new GuideWork(78, "midtrain:x", "rl-base", 1, 1, [1], [2]);
        learner.Ref.Tell(new SendAs(_coordinator, work));
        guide.Ref.Tell(new SendAs(_coordinator, new RequestWork(WorkKinds.Guide, 1)));
        Next<GuideWork>(guide.Seen);
        guide.Ref.Tell(new SendAs(_coordinator, new GuideScored(78, [-0.5f])));
        Assert.Equal([-0.5f], Next<GuideScored>(learner.Seen).TargetLogProbs);

        learner.Ref.Tell(new SendAs(_coordinator, work)); // its answer was lost, say: it asks again
        Assert.Equal([-0.5f], Next<GuideScored>(learner.Seen).TargetLogProbs);
        guide.Ref.Tell(new SendAs(_coordinator, new RequestWork(WorkKinds.Guide, 1)));
        Assert.False(guide.Seen.TryTake(out var again, TimeSpan.FromMilliseconds(300)) && again is GuideWork, "the guide was asked to score it twice");
    }

    // A smoke run whose watchdog fires after 2 s of nothing moving, and one learner (rank 0 of 1) registered with it.
    private (RunContext Run, IActorRef Coordinator, TaskCompletionSource<string?> Finished, (IActorRef Ref, BlockingCollection<object> Seen) Learner)
        StallingRun(TempDir dir, string name)
    {
        var config = ConfigLoader.Load(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "presets", "smoke.json"),
            ["cluster.lease_timeout_s=1", "cluster.stall_timeout_s=2", "cluster.retry_after_s=1"]);
        var run = RunContext.Prepare(config, dir.Path, resume: false, TextWriter.Null);
        var finished = new TaskCompletionSource<string?>();
        var coordinator = _cluster.ActorOf(Props.Create(() => new Coordinator(run, new RemitMetrics(), finished, TextWriter.Null)), name);
        var learner = StartProbe(_cluster, $"{name}-learner");
        learner.Ref.Tell(new SendAs(coordinator, new RegisterWorker("learner", 0, 1, 1, "test", 0)));
        return (run, coordinator, finished, learner);
    }

    [Fact]
    public async Task Tick_WorkOutstandingAndNothingMovesForStallTimeout_StopsTheRunNamingWhatItWaitedFor()
    {
        using var dir = new TempDir();
        var (_, coordinator, finished, learner) = StallingRun(dir, "stalling");
        Next<WorkerRegistered>(learner.Seen);

        learner.Ref.Tell(new SendAs(coordinator, new GuideWork(90, "midtrain:x", "rl-base", 1, 1, [1], [2]))); // no guide node will ever take it

        string? error = await finished.Task.WaitAsync(Patience);
        Assert.Contains("stalled", error);
        Assert.Contains("cluster.stall_timeout_s", error);
        Assert.Contains("guide work (1 waiting for a worker, 0 leased)", error);
        Assert.Equal(error, Next<RunFinished>(learner.Seen).Error);
    }

    [Fact]
    public async Task Tick_LearnerLogsNoStepOfATokenStageForStallTimeout_StopsTheRunNamingTheStageAndItsLastStep()
    {
        using var dir = new TempDir();
        var (run, coordinator, finished, learner) = StallingRun(dir, "silent-learner-run");
        string stage = Next<RunStage>(learner.Seen).Stage;
        Assert.Equal(run.Plan[0].Name, stage);

        // Two logged steps, then the learner hangs: nothing else is outstanding, yet the run must not wait forever.
        learner.Ref.Tell(new SendAs(coordinator, new StageProgress(stage, 10)));
        learner.Ref.Tell(new SendAs(coordinator, new StageProgress(stage, 20)));

        string? error = await finished.Task.WaitAsync(Patience);
        Assert.Contains("stalled", error);
        Assert.Contains($"the next logged step of {stage} from learner rank 0 (last: step 20)", error);
    }

    [Fact]
    public void RlStep_LostLeaseAndLostBatch_TheLeaseComesBackWithItsCreditAndTheBatchIsSentAgainOnRequest()
    {
        using var dir = new TempDir();
        var config = ConfigLoader.Load(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "presets", "smoke.json"),
            ["rl.dynamic_sampling=false", "cluster.lease_timeout_s=2", "cluster.stall_timeout_s=120", "cluster.retry_after_s=1"]);
        var run = RunContext.Prepare(config, dir.Path, resume: false, TextWriter.Null);
        var rl = run.Plan.First(p => p.Kind == PlannedKind.Rl);
        foreach (var earlier in run.Plan.TakeWhile(p => p != rl)) // everything before the first RL stage counts as done
        {
            string done = ReMiT.Training.Reporting.StageSummary.PathFor(dir.Path, earlier.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(done)!);
            File.WriteAllText(done, "{}");
        }
        var metrics = new RemitMetrics();
        var coordinator = _cluster.ActorOf(Props.Create(() => new Coordinator(run, metrics, new TaskCompletionSource<string?>(), TextWriter.Null)), "rl-coordinator");
        (IActorRef Ref, BlockingCollection<object> Seen) Join(string name, string role)
        {
            var probe = StartProbe(_cluster, name);
            probe.Ref.Tell(new SendAs(coordinator, new RegisterWorker(role, 0, 1, 1, "test", 0)));
            Next<WorkerRegistered>(probe.Seen);
            return probe;
        }
        var learner = Join("rl-learner", "learner");
        Assert.Equal(rl.Name, Next<RunStage>(learner.Seen).Stage);
        learner.Ref.Tell(new SendAs(coordinator, new WeightsPublished(1, rl.Name, 0)));
        learner.Ref.Tell(new SendAs(coordinator, new RequestRlStep(rl.Name, 0))); // steps 0 and 1 (max_staleness 1) are issued

        // A rollout node whose first lease is lost on the way: it never asks again, yet gets the lease back once it times out.
        var rollout = Join("rl-rollout", "rollout");
        rollout.Ref.Tell(new SendAs(coordinator, new RequestWork(WorkKinds.Rollout, 1)));
        var lost = Next<RolloutWork>(rollout.Seen);
        Assert.Equal(lost, Next<RolloutWork>(rollout.Seen));

        var verifier = Join("rl-verifier", "verifier");
        verifier.Ref.Tell(new SendAs(coordinator, new RequestWork(WorkKinds.Verify, 8)));
        int group = run.Config.Rl.GroupSize, worksPerStep = run.Config.Rl.PromptsPerStep / run.Config.Cluster.PromptsPerWork;
        var work = lost;
        for (int answered = 0; answered < 2 * worksPerStep; answered++)
        {
            if (answered > 0)
            {
                rollout.Ref.Tell(new SendAs(coordinator, new RequestWork(WorkKinds.Rollout, 1)));
                work = Next<RolloutWork>(rollout.Seen);
            }
            var rollouts = Enumerable.Range(0, work.PromptCount * group).Select(i => new RolloutRecord(
                work.FirstPrompt + i / group, [1, 2], [3, 4], [-0.5f, -0.25f], work.WeightsVersion, true, 0, false)).ToArray();
            rollout.Ref.Tell(new SendAs(coordinator, new RolloutsDone(work.WorkId, work.Stage, work.Step, rollouts)));
            var verify = Next<VerifyWork>(verifier.Seen);
            verifier.Ref.Tell(new SendAs(coordinator, new RolloutsVerified(verify.WorkId, verify.Stage, verify.Step,
                verify.Rollouts.Select((r, i) => r with { Reward = i % 2, Correct = i % 2 == 1 }).ToArray())));
        }

        var first = Next<RlStepBatch>(learner.Seen);
        Assert.Equal((rl.Name, 0, run.Config.Rl.PromptsPerStep * group), (first.Stage, first.Step, first.Rollouts.Length));
        learner.Ref.Tell(new SendAs(coordinator, new RequestRlStep(rl.Name, 0)));   // that batch was lost on the way: ask again
        DeepEqual.Assert(first, Next<RlStepBatch>(learner.Seen));
        learner.Ref.Tell(new SendAs(coordinator, new RequestRlStep(rl.Name, 1)));   // the learner has step 0: it may be forgotten
        Assert.Equal(1, Next<RlStepBatch>(learner.Seen).Step);
        Assert.True(metrics.LeasesReissued.WithLabels("timeout").Value >= 1);
        Assert.Equal(0, metrics.DuplicateResultsDropped.Value);
    }

    [Fact]
    public async Task Coordinator_StoppedMidStepAndStartedAgainOnTheRunDirectory_ReusesTheVerifiedLeaseAndSendsTheWholeStep()
    {
        using var dir = new TempDir();
        var config = ConfigLoader.Load(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "presets", "smoke.json"), ["rl.dynamic_sampling=false"]);
        var run = RunContext.Prepare(config, dir.Path, resume: false, TextWriter.Null);
        var rl = run.Plan.First(p => p.Kind == PlannedKind.Rl);
        foreach (var earlier in run.Plan.TakeWhile(p => p != rl))
        {
            string done = ReMiT.Training.Reporting.StageSummary.PathFor(dir.Path, earlier.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(done)!);
            File.WriteAllText(done, "{}");
        }
        var learner = StartProbe(_cluster, "fo-learner");
        var rollout = StartProbe(_cluster, "fo-rollout");
        var verifier = StartProbe(_cluster, "fo-verifier");
        void JoinAll(IActorRef coordinator)
        {
            foreach (var (probe, role) in new[] { (learner, "learner"), (rollout, "rollout"), (verifier, "verifier") })
            {
                probe.Ref.Tell(new SendAs(coordinator, new RegisterWorker(role, 0, 1, 1, "test", 0)));
                Next<WorkerRegistered>(probe.Seen);
            }
            Assert.Equal(rl.Name, Next<RunStage>(learner.Seen).Stage);
            learner.Ref.Tell(new SendAs(coordinator, new WeightsPublished(1, rl.Name, 0)));
            learner.Ref.Tell(new SendAs(coordinator, new RequestRlStep(rl.Name, 0)));
            verifier.Ref.Tell(new SendAs(coordinator, new RequestWork(WorkKinds.Verify, 8)));
            rollout.Ref.Tell(new SendAs(coordinator, new RequestWork(WorkKinds.Rollout, 1)));
        }
        RolloutsVerified Answer(IActorRef coordinator, RolloutWork work)
        {
            int group = run.Config.Rl.GroupSize;
            var rollouts = Enumerable.Range(0, work.PromptCount * group).Select(i => new RolloutRecord(
                work.FirstPrompt + i / group, [1, 2], [3, 4], [-0.5f, -0.25f], work.WeightsVersion, true, 0, false)).ToArray();
            rollout.Ref.Tell(new SendAs(coordinator, new RolloutsDone(work.WorkId, work.Stage, work.Step, rollouts)));
            var verify = Next<VerifyWork>(verifier.Seen);
            var verified = new RolloutsVerified(verify.WorkId, verify.Stage, verify.Step, verify.Rollouts.Select((r, i) => r with { Reward = i % 2 }).ToArray());
            verifier.Ref.Tell(new SendAs(coordinator, verified));
            return verified;
        }

        // The first coordinator gets step 0's first lease verified, then stops (its process died, say).
        var first = _cluster.ActorOf(Props.Create(() => new Coordinator(run, new RemitMetrics(), new TaskCompletionSource<string?>(), TextWriter.Null)), "failover-1");
        JoinAll(first);
        var lease = Next<RolloutWork>(rollout.Seen);
        Assert.Equal((0, 0), (lease.Step, lease.FirstPrompt));
        var kept = Answer(first, lease);
        var deadline = DateTime.UtcNow + Patience;
        while (CoordinatorJournal.Read(CoordinatorJournal.PathIn(dir.Path)).Records.Count < 2 && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.True(await first.GracefulStop(Patience));

        // A second coordinator on the same run directory: the workers register with it again and the learner asks again.
        var second = _cluster.ActorOf(Props.Create(() => new Coordinator(run, new RemitMetrics(), new TaskCompletionSource<string?>(), TextWriter.Null)), "failover-2");
        JoinAll(second);
        var next = Next<RolloutWork>(rollout.Seen);
        Assert.Equal((0, 2), (next.Step, next.FirstPrompt)); // prompts 0-1 were verified before: not generated again
        Answer(second, next);
        var batch = Next<RlStepBatch>(learner.Seen);
        Assert.Equal(run.Config.Rl.PromptsPerStep * run.Config.Rl.GroupSize, batch.Rollouts.Length);
        DeepEqual.Assert(kept.Rollouts, batch.Rollouts.Take(kept.Rollouts.Length).ToArray());
    }

    [Fact]
    public async Task IsCurrent_SingletonPathOnTheOldestCoordinatorMember_OtherActorsAreNot()
    {
        var given = StartProbe(_cluster, "given").Ref;
        var manager = _cluster.ActorOf(Props.Create(() => new SingletonLookalike()), "coordinator");
        var singleton = await manager.Ask<IActorRef>("child", Patience);
        var identity = new CoordinatorIdentity(given, _cluster);

        Assert.True(identity.IsCurrent(given));
        Assert.True(identity.IsCurrent(singleton));
        Assert.False(identity.IsCurrent(manager));
        Assert.False(identity.IsCurrent(_coordinator));
    }

    [Theory]
    [InlineData("Akka.Cluster.Tools.Singleton.HandOverToMe, Akka.Cluster.Tools")]
    [InlineData("Akka.Cluster.Tools.Singleton.TakeOverFromMe, Akka.Cluster.Tools")]
    [InlineData("Akka.Cluster.GossipEnvelope, Akka.Cluster")]
    [InlineData("Akka.Actor.Identify, Akka")]
    public void FindSerializerForType_AkkasOwnClusterMessages_KeepTheirSerializers(string typeName)
    {
        var type = Type.GetType(typeName, throwOnError: true)!;
        Assert.IsNotType<NonProtocolSerializer>(_cluster.Serialization.FindSerializerForType(type));
    }

    /// <summary>An actor at <c>/user/coordinator</c> with a child <c>coordinator</c>: where the singleton manager puts the coordinator.</summary>
    private sealed class SingletonLookalike : ReceiveActor
    {
        public SingletonLookalike()
        {
            var child = Context.ActorOf(Props.Create(() => new Probe(new BlockingCollection<object>())), "coordinator");
            Receive<string>(_ => Sender.Tell(child));
        }
    }
}
