using System.Text.Json;
using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;
using ReMiT.Cluster.Metrics;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using ReMiT.Training.Rl;
using ReMiT.Training.Stages;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// The run's state machine (a cluster singleton): walks the <see cref="FlywheelPlan"/>, tells the
/// learner ranks which stage to run, cuts RL steps into rollout work, routes rollouts to verifiers
/// and verified steps to learners, queues guide work for guide nodes, hands out evaluations, and
/// writes results.json and the report at the end. Work is only ever given to a worker that asked
/// for it; every lease is tracked, reissued when it times out or its holder leaves, and a result is
/// used once (duplicates are counted and dropped). Nothing heavy runs here: the report is built on
/// a background task and piped back.
/// <para>
/// Trust: a worker is registered only from an up cluster member that joined with the role it claims;
/// a result or failure is taken only from a registered worker of the right role that was handed that
/// lease, for an outstanding lease id, and only when it matches its lease (stage, step, prompts,
/// model); learner messages only from learners (stage completion and weights announcements from rank
/// 0). Everything else is refused and counted in <c>remit_messages_rejected_total{reason}</c>.
/// </para>
/// <para>
/// No hangs: an expired lease returns its credit to its holder; an RL step's batch stays here until
/// every learner has asked for the next step (a lost batch is re-sent when asked again); a guide
/// batch asked for again gets its scores again; and when work is outstanding but nothing has moved
/// for <c>cluster.stall_timeout_s</c>, the run stops with an error naming what it waited for.
/// </para>
/// </summary>
public sealed class Coordinator : ReceiveActor, IWithTimers
{
    private readonly RunContext _run;
    private readonly RemitMetrics _metrics;
    private readonly TaskCompletionSource<string?> _finished;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TextWriter _console; // progress lines people read (warnings go to the Akka log)
    private readonly IReadOnlyList<PlannedStage> _plan;
    private RlPrompts _prompts;
    private RunContext _stageRun; // the current stage's context (its config overrides applied)
    private readonly Dictionary<long, RolloutWork> _issued = [];
    private readonly Dictionary<IActorRef, Member> _members = [];
    private readonly Dictionary<string, LeaseBook<IActorRef>> _books;
    private readonly Dictionary<string, Dictionary<IActorRef, int>> _credit;
    private readonly Dictionary<long, IActorRef> _guideRequesters = [];
    private readonly Dictionary<long, DateTimeOffset> _evalStarted = [];
    private readonly RejectionLog _rejections;
    private readonly int _messageCap;          // cluster.max_message_mib, in bytes
    private readonly TimeSpan _stallTimeout;   // cluster.stall_timeout_s
    private long _lastProgress = System.Diagnostics.Stopwatch.GetTimestamp();
    private readonly Dictionary<long, GuideScored> _guideDelivered = [];  // recent scores by work id, for a learner that asks again
    private readonly Queue<long> _guideDeliveredOrder = new();
    private int _stageIndex = -1;
    private DateTimeOffset _stageStarted;
    private PlannedStage? _stage;
    private bool _started, _finishing;

    // ---- the current RL stage ----
    private readonly Dictionary<int, int> _policyVersions = [];              // step → weights version of the policy after `step` updates
    private readonly Dictionary<int, SortedDictionary<int, RolloutRecord[]>> _verified = []; // step → first prompt → rollouts
    private readonly Dictionary<int, List<IActorRef>> _stepWaiters = [];
    private readonly Dictionary<IActorRef, int> _requestedStep = [];         // learner → the highest step it asked for (it has every step before)
    private readonly Dictionary<int, StepDraws> _draws = [];                 // step → prompts issued so far (refill rounds included)
    private readonly HashSet<int> _complete = [];                            // steps whose groups are all in (no refill round to come)
    private int _nextIssueStep;
    private long _latestVersion;

    private sealed record StepDraws(int Rounds, int Prompts);
    private sealed record Member(string Role, int Rank, int Size, int Pid, string Host, string Address, int MetricsPort);
    private sealed record Tick;
    private sealed record ReportBuilt(string? Error);

    public ITimerScheduler Timers { get; set; } = null!;

    public Coordinator(RunContext run, RemitMetrics metrics, TaskCompletionSource<string?> finished, TextWriter console)
    {
        _console = console;
        _run = run;
        _metrics = metrics;
        _finished = finished;
        _plan = run.Plan;
        _stageRun = run;
        _prompts = new RlPrompts(run.Config.Rl, run.Seed, run.HeldOutProblemIds);
        var timeout = TimeSpan.FromSeconds(run.Config.Cluster.LeaseTimeoutS);
        string[] kinds = [WorkKinds.Rollout, WorkKinds.Verify, WorkKinds.Guide, WorkKinds.Eval];
        _books = kinds.ToDictionary(k => k, _ => new LeaseBook<IActorRef>(timeout));
        _credit = kinds.ToDictionary(k => k, _ => new Dictionary<IActorRef, int>());
        _rejections = new RejectionLog(metrics, _log);
        _messageCap = ChunkAssembler.MessageCapOf(run.Config.Cluster);
        _stallTimeout = TimeSpan.FromSeconds(run.Config.Cluster.StallTimeoutS);

        Receive<RegisterWorker>(OnRegister);
        Receive<Terminated>(t => OnMemberLost(t.ActorRef));
        Receive<RequestWork>(OnRequestWork);
        Receive<RolloutsDone>(OnRolloutsDone);
        Receive<RolloutsVerified>(OnVerified);
        Receive<GuideWork>(OnGuideWork);
        Receive<GuideScored>(OnGuideScored);
        Receive<EvalDone>(OnEvalDone);
        Receive<WeightsPublished>(OnWeightsPublished);
        Receive<RequestRlStep>(OnRequestRlStep);
        Receive<StageCompleted>(OnStageCompleted);
        Receive<StageFailed>(f => { if (From(f, "learner") is not null) Finish($"{f.Stage} failed on {Describe(Sender)}: {f.Error}"); });
        Receive<Tick>(_ => OnTick());
        Receive<WorkFailed>(OnWorkFailed);
        var assembler = new ChunkAssembler(maxMessageBytes: _messageCap, onDropped: reason => metrics.MessagesDropped.WithLabels(reason).Inc(), log: _log);
        Receive<MessageChunk>(c => { if (From(c, WorkerRoles) is not null && assembler.Add(c, ChunkAssembler.SenderKey(Sender)) is { } whole) Self.Forward(whole); });
        Receive<ReportBuilt>(r => Stop(r.Error));
    }

    private static readonly string[] WorkerRoles = ["rollout", "verifier", "guide", "learner"];

    protected override void PreStart() => Timers.StartPeriodicTimer("tick", new Tick(), TimeSpan.FromSeconds(1));

    // ------------------------------------------------------------------ members

    private void OnRegister(RegisterWorker r)
    {
        if (RegistrationProblem(r) is { } problem) { Reject(RejectReasons.NotMember, r, problem); return; }
        if (!IsUp(Sender)) { _log.Debug("{0} registers before this node sees it up; it will try again", Sender.Path); return; }
        if (!_members.ContainsKey(Sender)) Context.Watch(Sender);
        _members[Sender] = new Member(r.Role, r.Rank, r.Size, r.Pid, Printable(r.Host), AddressOf(Sender), r.MetricsPort);
        _console.WriteLine($"{Sender.Path} joined: {r.Role} rank {r.Rank}/{r.Size}, pid {r.Pid} on {Printable(r.Host)}");
        Sender.Tell(new WorkerRegistered(_run.RunDirectory, (int)_latestVersion));
        UpdateMemberGauges();
        if (!_started && LearnersReady())
        {
            _started = true;
            _console.WriteLine($"all {Learners().Count} learner rank(s) joined; starting the flywheel");
            NextStage();
        }
        else if (_started && r.Role == "learner" && _stage is { Kind: not PlannedKind.Eval } s)
            Sender.Tell(ToRunStage(s)); // a learner registering again (our answer was slow) gets its stage again; it ignores a repeat
    }

    // Why Sender cannot register as r says, or null: it must be a worker role, on an up cluster member
    // that joined with that role (a process that merely reaches the port is no member).
    private string? RegistrationProblem(RegisterWorker r)
    {
        if (!WorkerRoles.Contains(r.Role)) return $"role '{Printable(r.Role)}' is not a worker role ({string.Join(", ", WorkerRoles)})";
        if (r.Size < 1 || r.Rank < 0 || r.Rank >= r.Size) return $"rank {r.Rank} of {r.Size} is not a rank";
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var address = Sender.Path.Address.HasLocalScope ? cluster.SelfAddress : Sender.Path.Address;
        var member = cluster.State.Members.FirstOrDefault(m => m.Address.Equals(address));
        if (member is { Status: Akka.Cluster.MemberStatus.Joining }) return null; // our view lags its join: OnRegister waits for its next try
        if (member is null || member.Status is not (Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.WeaklyUp))
            return $"{address} is not an up member of this cluster";
        if (!member.HasRole(r.Role)) return $"{address} joined with roles [{string.Join(", ", member.Roles)}], not {r.Role}";
        return null;
    }

    private static bool IsUp(IActorRef who)
    {
        var cluster = Akka.Cluster.Cluster.Get(Context.System);
        var address = who.Path.Address.HasLocalScope ? cluster.SelfAddress : who.Path.Address;
        return cluster.State.Members.Any(m => m.Address.Equals(address) && m.Status is Akka.Cluster.MemberStatus.Up or Akka.Cluster.MemberStatus.WeaklyUp);
    }

    // Text from a message as one printable line (it goes to the console and the log).
    private static string Printable(string? text) =>
        text is null ? "" : new string(text.Take(200).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    // The registered worker behind Sender when its role is one of roles; otherwise the message is refused and null returned.
    private Member? From(IRemitMessage message, params string[] roles)
    {
        if (!_members.TryGetValue(Sender, out var member)) { Reject(RejectReasons.NotMember, message, "not a registered worker"); return null; }
        if (!roles.Contains(member.Role)) { Reject(RejectReasons.WrongRole, message, $"a {member.Role} does not send it"); return null; }
        return member;
    }

    // Learner rank 0 speaks for the learners (stage completion, weights announcements).
    private Member? FromLeadLearner(IRemitMessage message)
    {
        if (From(message, "learner") is not { } learner) return null;
        if (learner.Rank == 0) return learner;
        Reject(RejectReasons.WrongRole, message, $"learner rank {learner.Rank} does not send it (rank 0 does)");
        return null;
    }

    private void Reject(string reason, IRemitMessage message, string why) =>
        _rejections.Reject(reason, $"{message.GetType().Name} from {Describe(Sender)}: {why}");

    private void Progress() => _lastProgress = System.Diagnostics.Stopwatch.GetTimestamp();

    private void OnMemberLost(IActorRef who)
    {
        if (!_members.Remove(who, out var member)) return;
        _requestedStep.Remove(who);
        _log.Warning("{0} ({1} rank {2}) left the cluster", who.Path, member.Role, member.Rank);
        foreach (var (kind, book) in _books)
        {
            _credit[kind].Remove(who);
            int n = book.HolderLost(who);
            if (n > 0) _metrics.LeasesReissued.WithLabels("member_lost").Inc(n);
        }
        UpdateMemberGauges();
        if (member.Role == "learner" && _started && !_finishing)
            Finish($"learner rank {member.Rank} ({who.Path.Address}) left the cluster; the run stops here and continues with --resume from the last checkpoint");
        Dispatch();
    }

    private List<(IActorRef Ref, Member M)> Learners() =>
        _members.Where(m => m.Value.Role == "learner").Select(m => (m.Key, m.Value)).OrderBy(m => m.Value.Rank).ToList();

    private bool LearnersReady()
    {
        var learners = Learners();
        if (learners.Count == 0) return false;
        int size = learners[0].M.Size;
        return learners.Count == size && learners.Select(l => l.M.Rank).Order().SequenceEqual(Enumerable.Range(0, size));
    }

    private void UpdateMemberGauges()
    {
        foreach (string role in new[] { "coordinator", "rollout", "verifier", "guide", "learner" })
            _metrics.Members.WithLabels(role).Set(_members.Values.Count(m => m.Role == role) + (role == "coordinator" ? 1 : 0));
    }

    // A worker in this process has a local path; name it by this node's cluster address instead.
    private static string AddressOf(IActorRef who) =>
        (who.Path.Address.HasLocalScope ? Akka.Cluster.Cluster.Get(Context.System).SelfAddress : who.Path.Address).ToString();

    private string Describe(IActorRef who) => _members.TryGetValue(who, out var m) ? $"{m.Role} rank {m.Rank} ({m.Address}, pid {m.Pid})" : who.Path.ToString();

    // ------------------------------------------------------------------ stages

    private void NextStage()
    {
        if (_finishing) return;
        if (_stage is { Kind: PlannedKind.Rl })
        {
            // Every rollout of a finished RL stage must have been used; anything still queued was lost.
            long lost = _books[WorkKinds.Rollout].Pending + _books[WorkKinds.Rollout].Leased + _books[WorkKinds.Verify].Pending + _books[WorkKinds.Verify].Leased;
            if (lost > 0) { _metrics.ExperiencesLost.Inc(lost); _log.Warning("{0}: {1} rollout work item(s) never reached the learner", _stage.Name, lost); }
            _books[WorkKinds.Rollout].Clear();
            _books[WorkKinds.Verify].Clear();
            _issued.Clear();
        }
        _stage = null;
        Progress();
        while (++_stageIndex < _plan.Count && StageRunner.IsDone(_run.RunDirectory, _plan[_stageIndex].Name))
            _console.WriteLine($"{_plan[_stageIndex].Name}: done, skipped");
        if (_stageIndex >= _plan.Count) { Finish(null); return; }

        var stage = _stage = _plan[_stageIndex];
        _stageStarted = DateTimeOffset.UtcNow;
        _console.WriteLine($"stage {_stageIndex + 1}/{_plan.Count}: {stage.Name}");
        if (stage.Kind == PlannedKind.Eval)
        {
            // Every remaining evaluation at once: rollout nodes take them in parallel.
            for (int i = _stageIndex; i < _plan.Count; i++)
                if (!StageRunner.IsDone(_run.RunDirectory, _plan[i].Name))
                {
                    long id = WorkId(_plan[i].Name, 0, 0);
                    _books[WorkKinds.Eval].Add(id, new EvalWork(id, _plan[i].To));
                    _evalStarted[id] = DateTimeOffset.UtcNow;
                }
            Dispatch();
            return;
        }
        if (stage.Kind == PlannedKind.Rl)
        {
            _stageRun = _run.ForStage(stage);
            _prompts = new RlPrompts(_stageRun.Config.Rl, _stageRun.Seed, _stageRun.HeldOutProblemIds);
            _policyVersions.Clear();
            _verified.Clear();
            _stepWaiters.Clear();
            _requestedStep.Clear();
            _draws.Clear();
            _complete.Clear();
            _nextIssueStep = -1; // set by the learner's first step request (it may resume mid-stage)
        }
        foreach (var (learner, _) in Learners()) learner.Tell(ToRunStage(stage));
    }

    private void OnStageCompleted(StageCompleted c)
    {
        if (FromLeadLearner(c) is null || c.Stage != _stage?.Name) return;
        _console.WriteLine($"{c.Stage}: done in {(DateTimeOffset.UtcNow - _stageStarted).TotalSeconds:F0} s");
        NextStage();
    }

    private static RunStage ToRunStage(PlannedStage s) => new(s.Name, s.Kind.ToString(), s.From, s.To, s.Weighting, s.Guide);

    // ------------------------------------------------------------------ RL

    // Idempotent: rank 0 announces a version again when its learner waits long for a step (the first announcement may be lost).
    private void OnWeightsPublished(WeightsPublished w)
    {
        if (FromLeadLearner(w) is null) return;
        if (_stage is { Kind: PlannedKind.Rl } current && w.Stage == current.Name && !_policyVersions.ContainsKey(w.Step)) Progress();
        _latestVersion = Math.Max(_latestVersion, w.Version);
        _metrics.PolicyVersion.Set(_latestVersion);
        foreach (var (member, m) in _members)
            if (m.Role is "rollout") member.Tell(w);
        if (_stage is not { Kind: PlannedKind.Rl } stage || w.Stage != stage.Name) return;
        _policyVersions[w.Step] = w.Version;
        IssueRollouts();
    }

    // Step s is generated by the policy after max(0, s − k) updates, k = max_staleness: rollouts run up to k
    // steps ahead of the learner, and which policy made which rollout does not depend on timing (so a
    // cluster run is reproducible and resumes exactly).
    private void IssueRollouts()
    {
        var rl = _stageRun.Config.Rl;
        string stage = _stage!.Name;
        if (_nextIssueStep < 0) return;
        while (_nextIssueStep < rl.Steps && _policyVersions.TryGetValue(Math.Max(0, _nextIssueStep - rl.MaxStaleness), out int version))
        {
            int step = _nextIssueStep++;
            _verified[step] = [];
            IssuePrompts(stage, step, 0, rl.PromptsPerStep, version);
            _draws[step] = new StepDraws(1, rl.PromptsPerStep);
        }
        Dispatch();
    }

    private void IssuePrompts(string stage, int step, int firstPrompt, int count, int version)
    {
        for (int first = firstPrompt; first < firstPrompt + count; first += _run.Config.Cluster.PromptsPerWork)
        {
            long id = WorkId(stage, step, first);
            var work = new RolloutWork(id, stage, step, first, _run.Config.Cluster.PromptsPerWork, version, _prompts.RolloutSeed(step, first));
            _issued[id] = work;
            _books[WorkKinds.Rollout].Add(id, work);
        }
    }

    // Once every issued prompt of a step is verified: DAPO refill (another round of prompts, when too few groups
    // have mixed rewards and rounds are left) or the step is complete. Depends only on the verified rewards, so
    // a run with nodes lost or reissued draws the same prompts.
    private void OnStepVerified(int step, SortedDictionary<int, RolloutRecord[]> units)
    {
        var rl = _stageRun.Config.Rl;
        if (_complete.Contains(step) || !_draws.TryGetValue(step, out var draws) || units.Values.Sum(u => u.Length) < draws.Prompts * rl.GroupSize) return;
        int next = 0;
        if (rl.DynamicSampling && rl.MaxRefillRounds > 0)
        {
            var keep = units.Values.SelectMany(u => u).GroupBy(r => r.Prompt).OrderBy(g => g.Key)
                .Select(g => DynamicSampling.KeepGroup(g.Select(r => LearningReward(r, rl)).ToArray())).ToArray();
            next = DynamicSamplingRefill.NextRoundPrompts(keep, rl.PromptsPerStep, draws.Rounds, rl.MaxRefillRounds, _run.Config.Cluster.PromptsPerWork);
        }
        if (next == 0) { _complete.Add(step); TrySendStep(step); return; }
        int version = _policyVersions[Math.Max(0, step - rl.MaxStaleness)];
        IssuePrompts(_stage!.Name, step, DynamicSamplingRefill.FirstPromptOfRound(draws.Rounds, rl.PromptsPerStep), next, version);
        _draws[step] = new StepDraws(draws.Rounds + 1, draws.Prompts + next);
    }

    // As the learner sees it (GrpoLearner.LearningReward), so both keep the same groups.
    private static double LearningReward(RolloutRecord r, RlSection rl) => rl.OverlongBuffer > 0
        ? OverlongPenalty.Apply(r.Reward, r.CompletionIds.Length, rl.MaxNewTokens, rl.OverlongBuffer)
        : r.Reward;

    private void OnRolloutsDone(RolloutsDone done)
    {
        if (From(done, "rollout") is null) return;
        if (_books[WorkKinds.Rollout].Work(done.WorkId) is RolloutWork lease && Contradicts(done, lease) is { } why) { Reject(RejectReasons.BadContent, done, why); return; }
        if (!Accept(WorkKinds.Rollout, done.WorkId, done.Stage, done)) return;
        var rl = _stageRun.Config.Rl;
        int required = _policyVersions.GetValueOrDefault(Math.Max(0, done.Step - rl.MaxStaleness), -1);
        if (done.Rollouts.Any(r => r.PolicyVersion != required) && _issued.Remove(done.WorkId, out var original))
        {
            // Made with another policy than the schedule asks for (beyond the staleness bound, or a node that
            // missed an announcement): rejected and generated again under a fresh id.
            _metrics.ExperiencesStale.Inc(done.Rollouts.Length);
            long again = Random.Shared.NextInt64(1, long.MaxValue);
            _issued[again] = original with { WorkId = again, WeightsVersion = required };
            _books[WorkKinds.Rollout].Add(again, _issued[again]);
            _log.Warning("{0} step {1}: rollouts made with an unexpected policy version were rejected and reissued", done.Stage, done.Step);
        }
        else
        {
            foreach (var r in done.Rollouts) _metrics.Staleness.Observe(_latestVersion - r.PolicyVersion);
            _books[WorkKinds.Verify].Add(done.WorkId, new VerifyWork(done.WorkId, done.Stage, done.Step, done.Rollouts));
        }
        Dispatch();
    }

    // What makes a rollout result unusable for its lease: another stage or step, prompts outside the lease, more completions than asked.
    private string? Contradicts(RolloutsDone done, RolloutWork lease)
    {
        if (done.Stage != lease.Stage || done.Step != lease.Step) return $"work {done.WorkId} is for {lease.Stage} step {lease.Step}, the result says {Printable(done.Stage)} step {done.Step}";
        int group = _stageRun.Config.Rl.GroupSize;
        if (done.Rollouts.Length == 0 || done.Rollouts.Length > lease.PromptCount * group) return $"{done.Rollouts.Length} rollouts for {lease.PromptCount} prompts × {group}";
        if (done.Rollouts.Any(r => r.Prompt < lease.FirstPrompt || r.Prompt >= lease.FirstPrompt + lease.PromptCount))
            return $"a rollout names a prompt outside {lease.FirstPrompt}..{lease.FirstPrompt + lease.PromptCount - 1}";
        return null;
    }

    private void OnVerified(RolloutsVerified v)
    {
        if (From(v, "verifier") is null) return;
        if (_books[WorkKinds.Verify].Work(v.WorkId) is VerifyWork lease
            && (v.Stage != lease.Stage || v.Step != lease.Step || !v.Rollouts.Select(r => r.Prompt).SequenceEqual(lease.Rollouts.Select(r => r.Prompt))))
        {
            Reject(RejectReasons.BadContent, v, $"work {v.WorkId} does not return the rollouts it was given ({lease.Stage} step {lease.Step}, {lease.Rollouts.Length} rollouts)");
            return;
        }
        if (!Accept(WorkKinds.Verify, v.WorkId, v.Stage, v) || !_verified.TryGetValue(v.Step, out var units)) return;
        units[v.Rollouts.Min(r => r.Prompt)] = v.Rollouts;
        OnStepVerified(v.Step, units);
        Dispatch();
    }

    // Idempotent: a learner asks again for a step it is still waiting for (its batch may have been lost).
    private void OnRequestRlStep(RequestRlStep r)
    {
        if (From(r, "learner") is null || _stage?.Name != r.Stage) return;
        if (r.Step > _requestedStep.GetValueOrDefault(Sender, -1)) { _requestedStep[Sender] = r.Step; Progress(); }
        ForgetStepsEveryLearnerHas();
        if (_nextIssueStep < 0)
        {
            _nextIssueStep = r.Step; // where the learner is: generation starts here and runs ahead of it
            IssueRollouts();
        }
        if (!_stepWaiters.TryGetValue(r.Step, out var waiters)) _stepWaiters[r.Step] = waiters = [];
        if (!waiters.Contains(Sender)) waiters.Add(Sender);
        TrySendStep(r.Step);
    }

    private void TrySendStep(int step)
    {
        if (!_complete.Contains(step) || !_verified.TryGetValue(step, out var units)) return;
        if (!_stepWaiters.Remove(step, out var waiters)) return;
        var batch = new RlStepBatch(_stage!.Name, step, units.Values.SelectMany(u => u).OrderBy(r => r.Prompt).ToArray());
        Progress();
        foreach (var learner in waiters) Send(learner, batch);
    }

    // A step's batch is kept until every learner has asked for a later step: sent is not delivered, and a
    // learner whose batch was lost asks again.
    private void ForgetStepsEveryLearnerHas()
    {
        var learners = Learners();
        if (learners.Count == 0) return;
        int floor = learners.Min(l => _requestedStep.GetValueOrDefault(l.Ref, -1));
        foreach (int step in _verified.Keys.Where(s => s < floor).ToList())
        {
            _verified.Remove(step);
            _draws.Remove(step);
            _complete.Remove(step);
        }
    }

    // Chunks what is too big for one frame; a message above the receivers' cap stops the run with the
    // cap's key in the error (sending it would only have it refused on arrival).
    private void Send(IActorRef to, IRemitMessage message)
    {
        try { Chunker.Tell(to, message, Self, maxMessageBytes: _messageCap); }
        catch (ArgumentException e) { Finish($"cannot send {message.GetType().Name} to {Describe(to)}: {e.Message}"); }
    }

    // ------------------------------------------------------------------ guide

    private const int GuideResultsKept = 64;

    // Idempotent: a learner that asks again for a batch still queued or leased waits for it; one already
    // scored gets the scores again (its answer may have been lost).
    private void OnGuideWork(GuideWork work)
    {
        if (From(work, "learner") is null) return;
        var book = _books[WorkKinds.Guide];
        if (book.IsCompleted(work.WorkId))
        {
            if (_guideDelivered.TryGetValue(work.WorkId, out var scored)) Send(Sender, scored);
            return;
        }
        _guideRequesters.TryAdd(work.WorkId, Sender);
        if (book.TryAdd(work.WorkId, work)) Progress();
        Dispatch();
    }

    private void OnGuideScored(GuideScored scored)
    {
        if (From(scored, "guide") is null || !Accept(WorkKinds.Guide, scored.WorkId, null, scored)) return;
        if (_guideRequesters.Remove(scored.WorkId, out var learner))
        {
            _guideDelivered[scored.WorkId] = scored;
            _guideDeliveredOrder.Enqueue(scored.WorkId);
            while (_guideDeliveredOrder.Count > GuideResultsKept) _guideDelivered.Remove(_guideDeliveredOrder.Dequeue());
            Send(learner, scored);
        }
        Dispatch();
    }

    // ------------------------------------------------------------------ evaluation

    private void OnEvalDone(EvalDone done)
    {
        if (From(done, "rollout") is null) return;
        // The model name becomes file names in the run directory: it must be a plain name and the one its lease names.
        var lease = _books[WorkKinds.Eval].Work(done.WorkId) as EvalWork;
        string? bad = RunPaths.Problem(done.Model) ?? (lease is not null && lease.Model != done.Model ? $"is not the model of work {done.WorkId} ({lease.Model})" : null);
        if (bad is not null)
        {
            Reject(RejectReasons.BadContent, done, $"model '{Printable(done.Model)}': {bad}");
            return;
        }
        if (!Accept(WorkKinds.Eval, done.WorkId, null, done)) return;
        IReadOnlyList<ResultRow> rows;
        try { rows = ResultsFile.RowsFromJson(done.RowsJson); }
        catch (JsonException e) { Finish($"evaluation of {done.Model} sent unreadable rows: {e.Message}"); return; }
        StageRunner.RecordEvaluation(_run.RunDirectory, done.Model, rows, _evalStarted.GetValueOrDefault(done.WorkId, DateTimeOffset.UtcNow));
        var id = rows.FirstOrDefault(r => r.Split == "id" && r.K == 1);
        _console.WriteLine($"eval:{done.Model}: done by {Describe(Sender)}" + (id is null ? "" : $", ID greedy pass@1 {id.PassAtK:F3} (n={id.N})"));
        new MetricsBridge(_metrics).ObserveResults(rows);
        if (_books[WorkKinds.Eval].Pending == 0 && _books[WorkKinds.Eval].Leased == 0) Finish(null);
        else Dispatch();
    }

    // ------------------------------------------------------------------ work pulling

    private const int MaxAttempts = 3;
    private readonly Dictionary<long, int> _failures = [];

    // A failed lease goes to the next worker; work that fails MaxAttempts times stops the run with its error.
    private void OnWorkFailed(WorkFailed f)
    {
        if (From(f, WorkerRoles) is null) return;
        if (!_books.TryGetValue(f.Kind, out var book)) { Reject(RejectReasons.BadContent, f, $"unknown work kind '{Printable(f.Kind)}'"); return; }
        if (!book.Release(f.WorkId, Sender))
        {
            Reject(book.Knows(f.WorkId) && !book.IsCompleted(f.WorkId) ? RejectReasons.NotLeaseHolder : RejectReasons.UnknownLease, f,
                   $"{f.Kind} work {f.WorkId} is not leased to it");
            return;
        }
        int n = _failures[f.WorkId] = _failures.GetValueOrDefault(f.WorkId) + 1;
        _metrics.LeasesReissued.WithLabels("failed").Inc();
        if (n >= MaxAttempts) Finish($"{f.Kind} work {f.WorkId} failed {n} times; last error from {Describe(Sender)}: {f.Error}");
        else Dispatch();
    }

    // Whether a result is the first for its lease and comes from a worker that was handed it; duplicates are
    // counted and dropped, results from others refused.
    private bool Accept(string kind, long workId, string? stage, IRemitMessage result)
    {
        switch (_books[kind].Complete(workId, Sender))
        {
            case LeaseBook<IActorRef>.Outcome.Duplicate:
                _metrics.ExperiencesDuplicated.Inc();
                _console.WriteLine($"dropped a duplicate {kind} result for work {workId}");
                return false;
            case LeaseBook<IActorRef>.Outcome.Unknown:
                Reject(RejectReasons.UnknownLease, result, $"{kind} work {workId} is not outstanding");
                return false;
            case LeaseBook<IActorRef>.Outcome.NotHolder:
                Reject(RejectReasons.NotLeaseHolder, result, $"{kind} work {workId} was never leased to it");
                return false;
        }
        Progress();
        return stage is null || stage == _stage?.Name;
    }

    // Which role may ask for which kind of work (rollout nodes also get evaluations on their rollout credit).
    private static readonly Dictionary<string, string> RoleAsking = new()
    {
        [WorkKinds.Rollout] = "rollout", [WorkKinds.Verify] = "verifier", [WorkKinds.Guide] = "guide",
    };

    private void OnRequestWork(RequestWork r)
    {
        if (!RoleAsking.TryGetValue(r.Kind, out var role)) { Reject(RejectReasons.BadContent, r, $"unknown work kind '{Printable(r.Kind)}'"); return; }
        if (From(r, role) is null) return;
        AddCredit(r.Kind, Sender, r.Count);
        Dispatch();
    }

    private void AddCredit(string kind, IActorRef worker, int count) =>
        _credit[kind][worker] = _credit[kind].GetValueOrDefault(worker) + Math.Max(0, count); // "n more", on top of what it still has room for

    // Gives pending work to workers with room for it; rollout nodes also run evaluations.
    private void Dispatch()
    {
        Give(WorkKinds.Rollout, WorkKinds.Rollout);
        Give(WorkKinds.Rollout, WorkKinds.Eval);
        Give(WorkKinds.Verify, WorkKinds.Verify);
        Give(WorkKinds.Guide, WorkKinds.Guide);
        foreach (var (kind, book) in _books) _metrics.QueueDepth.WithLabels(kind).Set(book.Pending);
    }

    private void Give(string creditKind, string bookKind)
    {
        var book = _books[bookKind];
        foreach (var (worker, room) in _credit[creditKind].ToList())
        {
            if (book.Pending == 0) return;
            if (room <= 0) continue;
            var work = book.Take(worker, room);
            _credit[creditKind][worker] = room - work.Count;
            foreach (var w in work) Send(worker, (IRemitMessage)w);
        }
    }

    private void OnTick()
    {
        foreach (var (kind, book) in _books)
        {
            var holders = book.ExpireDue();
            if (holders.Count == 0) continue;
            _metrics.LeasesReissued.WithLabels("timeout").Inc(holders.Count);
            _log.Warning("{0} {1} lease(s) timed out and were reissued", holders.Count, kind);
            // The credit a lease used comes back: a lease lost on the way would otherwise cost its worker that room for good.
            string creditKind = kind == WorkKinds.Eval ? WorkKinds.Rollout : kind;
            foreach (var holder in holders)
                if (_members.ContainsKey(holder)) AddCredit(creditKind, holder, 1);
        }
        Dispatch();
        CheckStalled();
    }

    // The watchdog: while something is awaited, something must move within cluster.stall_timeout_s.
    private void CheckStalled()
    {
        if (!_started || _finishing || Awaited() is not { } awaited) { Progress(); return; }
        var idle = System.Diagnostics.Stopwatch.GetElapsedTime(_lastProgress);
        if (idle >= _stallTimeout)
            Finish($"stalled: nothing moved for {idle.TotalSeconds:F0} s (cluster.stall_timeout_s = {_stallTimeout.TotalSeconds:F0}) while waiting for {awaited}; " +
                   "the run stops here and continues with --resume from the last checkpoint");
    }

    // What the run waits for now, in words, or null when nothing is outstanding (a learner busy with a token stage).
    private string? Awaited()
    {
        var parts = new List<string>();
        foreach (var (kind, book) in _books)
            if (book.Pending + book.Leased > 0) parts.Add($"{kind} work ({book.Pending} waiting for a worker, {book.Leased} leased)");
        foreach (int step in _stepWaiters.Keys.Order())
        {
            int needs = Math.Max(0, step - _stageRun.Config.Rl.MaxStaleness);
            parts.Add(_policyVersions.ContainsKey(needs) || step < _nextIssueStep
                ? $"the verified rollouts of {_stage?.Name} step {step}"
                : $"the weights announcement of the policy for {_stage?.Name} step {needs} (learner rank 0 publishes it)");
        }
        if (_guideRequesters.Count > 0) parts.Add($"guide scores for {_guideRequesters.Count} learner batch(es)");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    // Work ids are stable functions of what the work is, so a reissued lease keeps its id.
    private static long WorkId(string stage, int step, int first) =>
        (long)(ReMiT.Tasks.SplitMix64.Derive((ulong)StableHash(stage), ((ulong)step << 20) | (uint)first) >> 1);

    private static long StableHash(string s)
    {
        ulong h = 1469598103934665603;
        foreach (char c in s) h = (h ^ c) * 1099511628211;
        return (long)h;
    }

    // ------------------------------------------------------------------ the end

    private void Finish(string? error)
    {
        if (_finishing) return;
        _finishing = true;
        foreach (var book in _books.Values) book.Clear();
        if (error is not null) { _log.Error("run stopped: {0}", error); Stop(error); return; }
        _console.WriteLine($"every stage done; writing the report");
        var members = _members.Select(m => (m.Value.Role, m.Value.Address, m.Value.Pid))
            .Prepend(("coordinator", AddressOf(Self), Environment.ProcessId)).ToList();
        var endpoints = _members.Values.Where(m => m.MetricsPort > 0).Select(m => (m.Host, m.MetricsPort)).Distinct().ToList();
        Task.Run(async () =>
        {
            var seen = await MetricsScrape.FamilyNamesAsync(endpoints, _metrics);
            WriteClusterSection(members, seen);
            RunReport.Build(_run.RunDirectory);
            return new ReportBuilt(null);
        }).PipeTo(Self, failure: e => new ReportBuilt($"writing the report failed: {e.Message}"));
    }

    private void WriteClusterSection(List<(string Role, string Address, int Pid)> members, IReadOnlyList<string> metricsSeen)
    {
        string path = ResultsFile.PathFor(_run.RunDirectory);
        var file = File.Exists(path) ? ResultsFile.Read(path) : ResultsFile.Empty;
        var section = new JsonObject
        {
            ["members"] = new JsonArray(members.Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["address"] = m.Address, ["pid"] = m.Pid }).ToArray()),
            ["learner_ranks"] = members.Count(m => m.Role == "learner"),
            ["metrics_seen"] = new JsonArray(metricsSeen.Select(n => (JsonNode)n).ToArray()),
            ["experiences_lost"] = _metrics.ExperiencesLost.Value,
            ["experiences_duplicated"] = _metrics.ExperiencesDuplicated.Value,
        };
        (file with { Cluster = section }).Write(path);
    }

    private void Stop(string? error)
    {
        foreach (var member in _members.Keys) member.Tell(new RunFinished(error));
        _finished.TrySetResult(error);
    }
}
