using ReMiT.Cluster.Actors;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Messages;
using ReMiT.Training.Flywheel;

namespace ReMiT.Cluster.Tests.Coordination;

/// <summary>
/// <see cref="CoordinatorState"/>'s transitions through its public API, without Akka: members are plain
/// ids, time is a <see cref="ManualClock"/>. The run is the smoke preset with every stage before the first
/// RL stage marked done, so a learner's registration starts <c>rl:base</c>: 3 steps of 4 prompts × group 4,
/// 2 prompts per rollout lease (so 2 leases per step), max_staleness 1, lease timeout 10 s.
/// </summary>
public sealed class CoordinatorStateTests : IDisposable
{
    private const string Learner = "akka://remit@10.0.0.1:1/user/learner", Learner1 = "akka://remit@10.0.0.2:1/user/learner";
    private const string RolloutA = "akka://remit@10.0.0.3:1/user/rollout", RolloutB = "akka://remit@10.0.0.4:1/user/rollout";
    private const string Verifier = "akka://remit@10.0.0.5:1/user/verifier";
    private readonly TempDir _dir = new();
    private readonly ManualClock _clock = new();
    private readonly RunContext _run;
    private readonly PlannedStage _rl;
    private readonly HashSet<string> _done = [];
    private readonly CoordinatorState _state;

    public CoordinatorStateTests()
    {
        var config = ConfigLoader.Load(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "presets", "smoke.json"),
            ["rl.dynamic_sampling=false", "cluster.lease_timeout_s=10"]);
        _run = RunContext.Prepare(config, _dir.Path, resume: false, TextWriter.Null);
        _rl = _run.Plan.First(p => p.Kind == PlannedKind.Rl);
        foreach (var earlier in _run.Plan.TakeWhile(p => p != _rl)) _done.Add(earlier.Name);
        _state = new CoordinatorState(_run, _done.Contains, _clock);
    }

    public void Dispose() => _dir.Dispose();

    private static CoordinatorMember Member(string id, WorkerRole role, int rank = 0, int size = 1) =>
        new(id, role, rank, size, Pid: 1, Host: "test", Address: id[..id.IndexOf("/user", StringComparison.Ordinal)], MetricsPort: 0);

    private static T Sent<T>(IEnumerable<CoordinatorEffect> effects, string to) where T : IRemitMessage =>
        effects.OfType<SendTo>().Where(s => s.Member == to).Select(s => s.Message).OfType<T>().Single();

    private static string[] Refusals(IEnumerable<CoordinatorEffect> effects) => effects.OfType<Refuse>().Select(r => r.Reason).ToArray();

    // The learner joined, announced the first policy (version 1 after step 0) and asked for step 0: steps 0 and 1
    // (max_staleness 1) are issued, 2 leases each; rollout node A asks for one lease and gets the first.
    private RolloutWork StartRlAndLeaseOneToA()
    {
        var joined = _state.Register(Member(Learner, WorkerRole.Learner));
        Assert.Equal(_rl.Name, Sent<RunStage>(joined, Learner).Stage);
        _state.WeightsPublished(Learner, new WeightsPublished(1, _rl.Name, 0));
        _state.RequestRlStep(Learner, new RequestRlStep(_rl.Name, 0));
        _state.Register(Member(RolloutA, WorkerRole.Rollout));
        _state.Register(Member(RolloutB, WorkerRole.Rollout));
        _state.Register(Member(Verifier, WorkerRole.Verifier));
        Assert.Equal(4, _state.Pending(WorkKind.Rollout));
        return Sent<RolloutWork>(_state.RequestWork(RolloutA, new RequestWork(WorkKinds.Rollout, 1)), RolloutA);
    }

    private RolloutsDone Result(RolloutWork work, float reward = 0) => new(work.WorkId, work.Stage, work.Step,
        Enumerable.Range(0, work.PromptCount * _run.Config.Rl.GroupSize).Select(i => new RolloutRecord(
            work.FirstPrompt + i / _run.Config.Rl.GroupSize, [1, 2], [3, 4], [-0.5f, -0.25f], work.WeightsVersion, true, reward, false)).ToArray());

    [Fact]
    public void Register_EveryLearnerRankIn_StartsTheFirstStageNotDone()
    {
        var first = _state.Register(Member(Learner, WorkerRole.Learner, rank: 0, size: 2));
        Assert.False(_state.Started);
        Assert.Empty(first.OfType<SendTo>().Select(s => s.Message).OfType<RunStage>());
        var second = _state.Register(Member(Learner1, WorkerRole.Learner, rank: 1, size: 2));
        Assert.True(_state.Started);
        Assert.Equal(_rl.Name, Sent<RunStage>(second, Learner).Stage);
        Assert.Equal(_rl.Name, Sent<RunStage>(second, Learner1).Stage);
        Assert.Equal(_rl.Name, _state.Stage?.Name);
    }

    [Fact]
    public void RlStep_WeightsThenRequest_IssuesTheStepAndTheOneAheadWithTheScheduledPolicy()
    {
        var work = StartRlAndLeaseOneToA();
        // 3 more leases pending: step 0's second and step 1's two; every one made by policy version 1.
        Assert.Equal((_rl.Name, 0, 0, 2, 1), (work.Stage, work.Step, work.FirstPrompt, work.PromptCount, work.WeightsVersion));
        var rest = _state.RequestWork(RolloutB, new RequestWork(WorkKinds.Rollout, 3)).OfType<SendTo>().Select(s => (RolloutWork)s.Message).ToArray();
        Assert.Equal([(0, 2), (1, 0), (1, 2)], rest.Select(w => (w.Step, w.FirstPrompt)));
        Assert.All(rest, w => Assert.Equal(1, w.WeightsVersion));
        // Step 2 waits for the policy after step 1 (version 2).
        Assert.Equal(0, _state.Pending(WorkKind.Rollout));
        _state.WeightsPublished(Learner, new WeightsPublished(2, _rl.Name, 1));
        Assert.Equal(2, _state.Pending(WorkKind.Rollout));
    }

    [Fact]
    public void RolloutsDone_ByItsHolder_GoesToVerification_ByANonHolderIsRefused()
    {
        var work = StartRlAndLeaseOneToA();
        Assert.Equal([RejectReasons.NotLeaseHolder], Refusals(_state.RolloutsDone(RolloutB, Result(work))));
        Assert.Equal(0, _state.Pending(WorkKind.Verify));
        Assert.Equal([RejectReasons.NotMember], Refusals(_state.RolloutsDone("akka://remit@10.9.9.9:1/user/x", Result(work))));
        Assert.Equal([RejectReasons.WrongRole], Refusals(_state.RolloutsDone(Verifier, Result(work))));

        var accepted = _state.RolloutsDone(RolloutA, Result(work));
        Assert.Empty(Refusals(accepted));
        Assert.Equal(1, _state.Pending(WorkKind.Verify));
        Assert.Equal(0, _state.Leased(WorkKind.Rollout));
    }

    [Fact]
    public void RolloutsDone_SecondArrivalOfTheSameResult_IsCountedAsDuplicateAndNotVerifiedTwice()
    {
        var work = StartRlAndLeaseOneToA();
        _state.RolloutsDone(RolloutA, Result(work));
        var again = _state.RolloutsDone(RolloutA, Result(work));
        Assert.Equal(1, again.OfType<CountMetric>().Single(c => c.Counter == CoordinatorCounter.DuplicateResultsDropped).Amount);
        Assert.Equal(1, _state.Pending(WorkKind.Verify));
    }

    [Fact]
    public void RolloutsDone_ContradictingItsLease_IsRefusedAsBadContent()
    {
        var work = StartRlAndLeaseOneToA();
        var wrongStep = Result(work) with { Step = 2 };
        Assert.Equal([RejectReasons.BadContent], Refusals(_state.RolloutsDone(RolloutA, wrongStep)));
        Assert.Equal(1, _state.Leased(WorkKind.Rollout)); // still A's
    }

    [Fact]
    public void Tick_LeasePastItsTimeout_IsReissuedWithItsCreditBack_AndTheLateOriginalCountsOnce()
    {
        var work = StartRlAndLeaseOneToA();
        _clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(_state.Tick().OfType<SendTo>());
        _clock.Advance(TimeSpan.FromSeconds(2));
        var tick = _state.Tick();
        Assert.Equal(("timeout", 1.0), tick.OfType<CountMetric>().Where(c => c.Counter == CoordinatorCounter.LeasesReissued).Select(c => (c.Label, c.Amount)).Single());
        // A's credit came back with the expired lease, and the reissued work (same id: it is the same work) went straight back out to A.
        Assert.Equal(work, Sent<RolloutWork>(tick, RolloutA));
        // B takes nothing of it; the late result from A is used once.
        Assert.Empty(Refusals(_state.RolloutsDone(RolloutA, Result(work))));
        Assert.Contains(_state.RolloutsDone(RolloutA, Result(work)).OfType<CountMetric>(), c => c.Counter == CoordinatorCounter.DuplicateResultsDropped);
    }

    [Fact]
    public void MemberLost_RolloutNodeWithALease_TheLeaseGoesToTheNextNodeThatAsks()
    {
        var work = StartRlAndLeaseOneToA();
        var lost = _state.MemberLost(RolloutA);
        Assert.Equal(1, lost.OfType<CountMetric>().Single(c => c.Counter == CoordinatorCounter.LeasesReissued).Amount);
        Assert.Equal(work, Sent<RolloutWork>(_state.RequestWork(RolloutB, new RequestWork(WorkKinds.Rollout, 1)), RolloutB));
    }

    [Fact]
    public void Verified_EveryLeaseOfAStep_SendsTheStepToTheLearnerInPromptOrder_AndAgainWhenAskedAgain()
    {
        var first = StartRlAndLeaseOneToA();
        _state.RequestWork(Verifier, new RequestWork(WorkKinds.Verify, 8));
        var second = _state.RequestWork(RolloutB, new RequestWork(WorkKinds.Rollout, 3)).OfType<SendTo>().Select(s => (RolloutWork)s.Message).First();
        Assert.Equal((0, 2), (second.Step, second.FirstPrompt));
        // Step 0's second lease is answered first: the batch is still in prompt order.
        var verify = Sent<VerifyWork>(_state.RolloutsDone(RolloutB, Result(second)), Verifier);
        Assert.Empty(_state.Verified(Verifier, new RolloutsVerified(verify.WorkId, verify.Stage, verify.Step, verify.Rollouts)).OfType<SendTo>());
        verify = Sent<VerifyWork>(_state.RolloutsDone(RolloutA, Result(first)), Verifier);
        var batch = Sent<RlStepBatch>(_state.Verified(Verifier, new RolloutsVerified(verify.WorkId, verify.Stage, verify.Step, verify.Rollouts)), Learner);
        // 4 prompts × group 4 = 16 rollouts: prompts 0,0,0,0,1,1,1,1,2,...
        Assert.Equal((_rl.Name, 0), (batch.Stage, batch.Step));
        Assert.Equal(Enumerable.Range(0, 16).Select(i => i / 4), batch.Rollouts.Select(r => r.Prompt));
        // Sent is not delivered: asked again, the same rollouts go out again.
        var again = Sent<RlStepBatch>(_state.RequestRlStep(Learner, new RequestRlStep(_rl.Name, 0)), Learner);
        Assert.Equal(batch.Rollouts, again.Rollouts);
    }

    [Fact]
    public void Verified_ByAVerifierNotHoldingTheLease_IsRefused()
    {
        var work = StartRlAndLeaseOneToA();
        var verify = Sent<VerifyWork>(_state.RequestWork(Verifier, new RequestWork(WorkKinds.Verify, 1)).Concat(_state.RolloutsDone(RolloutA, Result(work))), Verifier);
        const string other = "akka://remit@10.0.0.6:1/user/verifier";
        _state.Register(Member(other, WorkerRole.Verifier));
        Assert.Equal([RejectReasons.NotLeaseHolder], Refusals(_state.Verified(other, new RolloutsVerified(verify.WorkId, verify.Stage, verify.Step, verify.Rollouts))));
        Assert.Equal(1, _state.Leased(WorkKind.Verify));
    }

    [Fact]
    public void StageCompleted_FromRankZeroForTheCurrentStage_StartsTheNextStage_OthersAreIgnoredOrRefused()
    {
        _state.Register(Member(Learner, WorkerRole.Learner, rank: 0, size: 2));
        _state.Register(Member(Learner1, WorkerRole.Learner, rank: 1, size: 2));
        Assert.Equal([RejectReasons.WrongRole], Refusals(_state.StageCompleted(Learner1, new StageCompleted(_rl.Name))));
        Assert.Empty(_state.StageCompleted(Learner, new StageCompleted("pretrain")).OfType<SendTo>()); // not the current stage
        Assert.Equal(_rl.Name, _state.Stage?.Name);

        var next = _run.Plan[_run.Plan.ToList().IndexOf(_rl) + 1];
        var completed = _state.StageCompleted(Learner, new StageCompleted(_rl.Name));
        Assert.Equal(next.Name, Sent<RunStage>(completed, Learner).Stage);
        Assert.Equal(next.Name, Sent<RunStage>(completed, Learner1).Stage);
        Assert.Empty(completed.OfType<CountMetric>()); // nothing of rl:base was outstanding: nothing lost
    }

    [Fact]
    public void StageCompleted_WithRolloutWorkStillOutstanding_CountsItLost()
    {
        StartRlAndLeaseOneToA(); // 4 leases issued, none answered
        var completed = _state.StageCompleted(Learner, new StageCompleted(_rl.Name));
        Assert.Equal(4, completed.OfType<CountMetric>().Single(c => c.Counter == CoordinatorCounter.ExperiencesLost).Amount);
    }

    [Fact]
    public void WorkFailed_ThreeTimes_StopsTheRunWithTheLastError_AByStanderCannotFailALease()
    {
        var work = StartRlAndLeaseOneToA();
        Assert.Equal([RejectReasons.NotLeaseHolder], Refusals(_state.WorkFailed(RolloutB, new WorkFailed(work.WorkId, WorkKinds.Rollout, "no"))));
        for (int attempt = 1; attempt <= CoordinatorState.MaxAttempts; attempt++)
        {
            string holder = attempt % 2 == 1 ? RolloutA : RolloutB;
            if (attempt > 1) Assert.Equal(work, Sent<RolloutWork>(_state.RequestWork(holder, new RequestWork(WorkKinds.Rollout, 1)), holder));
            var failed = _state.WorkFailed(holder, new WorkFailed(work.WorkId, WorkKinds.Rollout, $"out of memory {attempt}"));
            if (attempt < CoordinatorState.MaxAttempts) Assert.Empty(failed.OfType<FinishRun>());
            else Assert.Contains("out of memory 3", failed.OfType<FinishRun>().Single().Error);
        }
        Assert.True(_state.Finishing);
    }

    [Fact]
    public void MemberLost_ALearner_StopsTheRunSayingToResume()
    {
        StartRlAndLeaseOneToA();
        var error = _state.MemberLost(Learner).OfType<FinishRun>().Single().Error;
        Assert.Contains("--resume", error);
        Assert.Null(_state.Awaited());
    }

    [Fact]
    public void Awaited_LearnerWaitsForAStepWhosePolicyWasNotAnnounced_NamesTheAnnouncement()
    {
        _state.Register(Member(Learner, WorkerRole.Learner));
        _state.RequestRlStep(Learner, new RequestRlStep(_rl.Name, 0));
        Assert.Contains($"the weights announcement of the policy for {_rl.Name} step 0", _state.Awaited());
    }

    [Fact]
    public void StageProgress_InATokenStage_FromRankZeroMovesTheRunAndIsWhatTheRunAwaits_OthersAreIgnoredOrRefused()
    {
        var state = new CoordinatorState(_run, _ => false, _clock); // nothing done: pre-training starts
        var first = _run.Plan[0];
        Assert.Equal(PlannedKind.Pretrain, first.Kind);
        state.Register(Member(Learner, WorkerRole.Learner, rank: 0, size: 2));
        state.Register(Member(Learner1, WorkerRole.Learner, rank: 1, size: 2));
        Assert.Equal(first.Name, state.Stage?.Name);
        Assert.Equal($"the next logged step of {first.Name} from learner rank 0 (none logged yet)", state.Awaited());

        long before = state.Progressed;
        Assert.Equal([RejectReasons.WrongRole], Refusals(state.StageProgress(Learner1, new StageProgress(first.Name, 10))));
        Assert.Equal([RejectReasons.NotMember], Refusals(state.StageProgress(RolloutA, new StageProgress(first.Name, 10))));
        state.StageProgress(Learner, new StageProgress("another-stage", 10));
        Assert.Equal(before, state.Progressed);

        state.StageProgress(Learner, new StageProgress(first.Name, 10));
        Assert.Equal(before + 1, state.Progressed);
        Assert.Contains("(last: step 10)", state.Awaited());
        state.StageProgress(Learner, new StageProgress(first.Name, 10)); // the same step again is not progress
        Assert.Equal(before + 1, state.Progressed);
    }

    [Fact]
    public void RequestWork_UnknownKind_IsRefusedAsBadContent()
    {
        _state.Register(Member(RolloutA, WorkerRole.Rollout));
        Assert.Equal([RejectReasons.BadContent], Refusals(_state.RequestWork(RolloutA, new RequestWork("mine", 1))));
        Assert.Equal([RejectReasons.BadContent], Refusals(_state.RequestWork(RolloutA, new RequestWork(WorkKinds.Eval, 1))));
    }

    [Fact]
    public void StageCompleted_GuideBatchesPrefetchedBeyondTheStage_AreWithdrawnAndTheirLateScoresDroppedQuietly()
    {
        var mid = _run.Plan.First(p => p.Kind == PlannedKind.MidTrain);
        var state = new CoordinatorState(_run, name => _run.Plan.TakeWhile(p => p != mid).Any(p => p.Name == name), _clock);
        const string guide = "akka://remit@10.0.0.7:1/user/guide";
        Assert.Equal(mid.Name, Sent<RunStage>(state.Register(Member(Learner, WorkerRole.Learner)), Learner).Stage);
        state.Register(Member(guide, WorkerRole.Guide));
        var leased = new GuideWork(11, mid.Name, "base+rl", 1, 1, [1], [2]);
        var queued = new GuideWork(12, mid.Name, "base+rl", 1, 1, [1], [2]);
        state.GuideWork(Learner, leased);
        state.GuideWork(Learner, queued);
        Assert.Equal(leased, Sent<GuideWork>(state.RequestWork(guide, new RequestWork(WorkKinds.Guide, 1)), guide));
        Assert.Contains("guide scores for 2 learner batch(es)", state.Awaited());

        var completed = state.StageCompleted(Learner, new StageCompleted(mid.Name));
        Assert.Contains(completed.OfType<Say>(), s => s.Line.Contains("2 prefetched guide batch(es) were not needed", StringComparison.Ordinal));
        Assert.Equal((0, 0), (state.Pending(WorkKind.Guide), state.Leased(WorkKind.Guide)));
        Assert.DoesNotContain("guide", state.Awaited() ?? "", StringComparison.Ordinal);
        // The guide's late answer: not used, not refused, not a duplicate; the learner asking again changes nothing.
        var late = state.GuideScored(guide, new GuideScored(11, [-0.5f]));
        Assert.DoesNotContain(late, e => e is Refuse or CountMetric or SendTo);
        Assert.Empty(state.GuideWork(Learner, queued));
        Assert.Equal(0, state.Pending(WorkKind.Guide));
    }

    // The first coordinator: step 0's first lease (prompts 0-1) generated by A, verified with rewards 1, then it dies.
    // Returns what it journaled and the verified rollouts.
    private (List<JournalRecord> Journal, RolloutRecord[] Verified) FirstCoordinatorVerifiesOneLease()
    {
        var journal = new List<JournalRecord>();
        IReadOnlyList<CoordinatorEffect> Keep(IReadOnlyList<CoordinatorEffect> effects)
        {
            journal.AddRange(effects.OfType<Persist>().Select(p => p.Record));
            return effects;
        }
        var started = Keep(_state.Register(Member(Learner, WorkerRole.Learner)));
        Assert.True(started.OfType<Persist>().Single().Restart); // a new stage: the journal starts over (the snapshot)
        Keep(_state.WeightsPublished(Learner, new WeightsPublished(1, _rl.Name, 0)));
        Keep(_state.RequestRlStep(Learner, new RequestRlStep(_rl.Name, 0)));
        Keep(_state.Register(Member(RolloutA, WorkerRole.Rollout)));
        Keep(_state.Register(Member(Verifier, WorkerRole.Verifier)));
        Keep(_state.RequestWork(Verifier, new RequestWork(WorkKinds.Verify, 8)));
        var work = Sent<RolloutWork>(Keep(_state.RequestWork(RolloutA, new RequestWork(WorkKinds.Rollout, 1))), RolloutA);
        var verify = Sent<VerifyWork>(Keep(_state.RolloutsDone(RolloutA, Result(work))), Verifier);
        var verified = verify.Rollouts.Select(r => r with { Reward = 1, Correct = true }).ToArray();
        Keep(_state.Verified(Verifier, new RolloutsVerified(verify.WorkId, verify.Stage, verify.Step, verified)));
        Assert.Equal([typeof(StageStartedRecord), typeof(UnitVerifiedRecord)], journal.Select(r => r.GetType()));
        return (journal, verified);
    }

    [Fact]
    public void Restore_ALeaseVerifiedByAnEarlierCoordinator_IsNotGeneratedAgain_AndTheStepCarriesItsRollouts()
    {
        var (journal, verified) = FirstCoordinatorVerifiesOneLease();
        var second = new CoordinatorState(_run, _done.Contains, _clock);
        second.Restore(journal);
        Assert.Equal(1, second.RestoredUnits);
        Assert.DoesNotContain(second.Register(Member(Learner, WorkerRole.Learner)), e => e is Persist); // the same stage: the journal goes on
        // The learner kept running (policy version 1 for step 0) and asks again.
        second.WeightsPublished(Learner, new WeightsPublished(1, _rl.Name, 0));
        second.RequestRlStep(Learner, new RequestRlStep(_rl.Name, 0));
        Assert.Equal(3, second.Pending(WorkKind.Rollout)); // step 0's second lease and step 1's two; the first was restored
        Assert.Equal(0, second.RestoredUnits);

        second.Register(Member(RolloutB, WorkerRole.Rollout));
        second.Register(Member(Verifier, WorkerRole.Verifier));
        second.RequestWork(Verifier, new RequestWork(WorkKinds.Verify, 8));
        var rest = Sent<RolloutWork>(second.RequestWork(RolloutB, new RequestWork(WorkKinds.Rollout, 1)), RolloutB);
        Assert.Equal((0, 2), (rest.Step, rest.FirstPrompt));
        var verify = Sent<VerifyWork>(second.RolloutsDone(RolloutB, Result(rest)), Verifier);
        var batch = Sent<RlStepBatch>(second.Verified(Verifier, new RolloutsVerified(verify.WorkId, verify.Stage, verify.Step, verify.Rollouts)), Learner);
        Assert.Equal(16, batch.Rollouts.Length);
        Assert.Equal(verified, batch.Rollouts.Take(8)); // prompts 0-1: the first coordinator's, rewards included
    }

    [Fact]
    public void Restore_PolicyRepublishedUnderANewVersion_TheRestoredLeaseIsGeneratedAgain()
    {
        var (journal, _) = FirstCoordinatorVerifiesOneLease();
        var second = new CoordinatorState(_run, _done.Contains, _clock);
        second.Restore(journal);
        second.Register(Member(Learner, WorkerRole.Learner));
        // A learner resumed from its checkpoint publishes step 0's policy again, as version 5: rollouts of version 1 would be stale to it.
        second.WeightsPublished(Learner, new WeightsPublished(5, _rl.Name, 0));
        second.RequestRlStep(Learner, new RequestRlStep(_rl.Name, 0));
        Assert.Equal(4, second.Pending(WorkKind.Rollout));
    }

    [Fact]
    public void Restore_AJournalOfAStageSinceFinished_IsNotReused_AndTheNewStageRestartsTheJournal()
    {
        var (journal, _) = FirstCoordinatorVerifiesOneLease();
        _done.Add(_rl.Name); // rl:base finished after that
        var second = new CoordinatorState(_run, _done.Contains, _clock);
        second.Restore(journal);
        var started = second.Register(Member(Learner, WorkerRole.Learner));
        var persist = started.OfType<Persist>().Single();
        Assert.True(persist.Restart);
        Assert.NotEqual(_rl.Name, Assert.IsType<StageStartedRecord>(persist.Record).Stage);
        Assert.Equal(0, second.RestoredUnits);
    }
}
