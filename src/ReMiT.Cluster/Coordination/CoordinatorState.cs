using System.Text.Json;
using ReMiT.Cluster.Actors;
using ReMiT.Cluster.Messages;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using ReMiT.Training.Rl;
using ReMiT.Training.Stages;

namespace ReMiT.Cluster.Coordination;

/// <summary>
/// The run's state machine, free of Akka so every transition can be tested alone: walks the
/// <see cref="FlywheelPlan"/>, cuts RL steps into rollout work, routes rollouts to verifiers and verified
/// steps to learners, queues guide work and evaluations, and tracks every lease. Members are named by a
/// stable string id (the actor's path with its address). Each transition takes one decoded message and
/// its sender's id and returns what to do (<see cref="CoordinatorEffect"/>s: sends, refusals, counters,
/// the end of the run); the <c>Coordinator</c> actor checks cluster membership, applies and carries them out.
/// <para>
/// Trust: a result or failure is taken only from a registered worker of the right role that was handed
/// that lease, for an outstanding lease id, and only when it matches its lease (stage, step, prompts,
/// model); learner messages only from learners (stage completion and weights announcements from rank 0).
/// </para>
/// <para>
/// No hangs: an expired lease returns its credit to its holder; an RL step's batch stays here until
/// every learner has asked for a later step (a lost batch is re-sent when asked again); a guide batch
/// asked for again gets its scores again. <see cref="Progressed"/> moves whenever something does, for
/// the actor's stall watchdog, and <see cref="Awaited"/> says what the run waits for.
/// </para>
/// <para>The RL stage's transitions (policies, rollouts, verified steps) are in <c>CoordinatorState.Rl.cs</c>.</para>
/// </summary>
public sealed partial class CoordinatorState
{
    /// <summary>A lease that fails this many times stops the run with its error.</summary>
    public const int MaxAttempts = 3;

    private const int GuideResultsKept = 64;

    private readonly RunContext _run;
    private readonly Func<string, bool> _stageDone;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<PlannedStage> _plan;
    private readonly Dictionary<string, CoordinatorMember> _members = [];
    private readonly Dictionary<WorkKind, LeaseBook<string>> _books;
    private readonly Dictionary<WorkKind, Dictionary<string, int>> _credit;
    private readonly Dictionary<long, RolloutWork> _issued = [];
    private readonly Dictionary<long, string> _guideRequesters = [];
    private readonly Dictionary<long, GuideScored> _guideDelivered = [];  // recent scores by work id, for a learner that asks again
    private readonly Queue<long> _guideDeliveredOrder = new();
    private readonly Dictionary<long, DateTimeOffset> _evalStarted = [];
    private readonly Dictionary<long, int> _failures = [];
    private readonly List<CoordinatorEffect> _out = [];
    private int _stageIndex = -1;
    private DateTimeOffset _stageStarted;
    private PlannedStage? _stage;
    private long _learnerStep = -1; // the last step of the current token stage learner rank 0 reported (-1: none yet)
    private RunContext _stageRun; // the current stage's context (its config overrides applied)

    // ---- the current RL stage ----
    private readonly Dictionary<int, int> _policyVersions = [];                  // step → weights version of the policy after `step` updates
    private readonly Dictionary<int, SortedDictionary<int, RolloutRecord[]>> _verified = []; // step → first prompt → rollouts
    private readonly Dictionary<int, List<string>> _stepWaiters = [];
    private readonly Dictionary<string, int> _requestedStep = [];               // learner → the highest step it asked for (it has every step before)
    private readonly Dictionary<int, StepDraws> _draws = [];                    // step → prompts issued so far (refill rounds included)
    private readonly HashSet<int> _complete = [];                               // steps whose groups are all in (no refill round to come)
    private int _nextIssueStep;
    private int _staleReissues;

    // ---- from the journal of an earlier coordinator on this run directory ----
    private string? _journaledStage;                                             // the stage the journal is about
    private readonly Dictionary<(int Step, int First), RolloutRecord[]> _restored = []; // its verified rollouts, not yet reused

    private sealed record StepDraws(int Rounds, int Prompts);

    /// <param name="run">The run (plan, config, seed).</param>
    /// <param name="stageDone">Whether a stage's summary is in the run directory (<see cref="StageRunner.IsDone"/>); a done stage is skipped.</param>
    /// <param name="time">Lease deadlines (monotonic) and evaluation start times.</param>
    public CoordinatorState(RunContext run, Func<string, bool> stageDone, TimeProvider? time = null)
    {
        _run = run;
        _stageRun = run;
        _stageDone = stageDone;
        _time = time ?? TimeProvider.System;
        _plan = run.Plan;
        var timeout = TimeSpan.FromSeconds(run.Config.Cluster.LeaseTimeoutS);
        _books = WorkKindNames.All.ToDictionary(k => k, _ => new LeaseBook<string>(timeout, _time));
        _credit = WorkKindNames.All.ToDictionary(k => k, _ => new Dictionary<string, int>());
    }

    /// <summary>Moves (by one or more) whenever the run makes progress: the stall watchdog's clock restarts.</summary>
    public long Progressed { get; private set; }

    /// <summary>Every learner rank has joined and the first stage was started.</summary>
    public bool Started { get; private set; }

    /// <summary>The run is ending (every stage done, or an error): no more work goes out.</summary>
    public bool Finishing { get; private set; }

    /// <summary>The newest policy version announced.</summary>
    public long LatestVersion { get; private set; }

    /// <summary>The stage running now, or null between stages and before the start.</summary>
    public PlannedStage? Stage => _stage;

    public IReadOnlyCollection<CoordinatorMember> Members => _members.Values;

    public CoordinatorMember? Member(string id) => _members.GetValueOrDefault(id);

    /// <summary>Work of <paramref name="kind"/> waiting for a worker (the queue-depth metric).</summary>
    public int Pending(WorkKind kind) => _books[kind].Pending;

    /// <summary>Work of <paramref name="kind"/> handed out and not yet answered.</summary>
    public int Leased(WorkKind kind) => _books[kind].Leased;

    /// <summary>Who <paramref name="id"/> is, in words (its role and rank once registered).</summary>
    public string Describe(string id) => _members.TryGetValue(id, out var m) ? m.ToString() : id;

    /// <summary>
    /// Takes over what an earlier coordinator on this run directory journaled (before the first registration):
    /// the stage it was in and that stage's verified rollouts. They are reused, not generated again, when the
    /// same lease comes due with the same policy version (after a learner's <c>--resume</c> republishes a policy
    /// under a new version, the rollouts of the steps it generates are made again, as the learner requires).
    /// </summary>
    public void Restore(IEnumerable<JournalRecord> records)
    {
        if (Started) throw new InvalidOperationException("the journal is restored before the run starts.");
        foreach (var record in records)
        {
            switch (record)
            {
                case StageStartedRecord s:
                    _journaledStage = s.Stage;
                    _restored.Clear();
                    break;
                case UnitVerifiedRecord u when u.Stage == _journaledStage:
                    _restored[(u.Step, u.FirstPrompt)] = u.Rollouts;
                    break;
            }
        }
    }

    /// <summary>Verified rollouts restored from the journal and not (yet) reused.</summary>
    public int RestoredUnits => _restored.Count;

    // ------------------------------------------------------------------ members

    /// <summary>
    /// A worker registered (the actor has checked that it is an up cluster member with that role). It is
    /// answered; the run starts when every learner rank is in; a learner registering again gets its stage again.
    /// </summary>
    public IReadOnlyList<CoordinatorEffect> Register(CoordinatorMember member)
    {
        _members[member.Id] = member;
        Emit(new Say($"{member.Id} joined: {WorkerRoles.Name(member.Role)} rank {member.Rank}/{member.Size}, pid {member.Pid} on {member.Host}"));
        Emit(new SendTo(member.Id, new WorkerRegistered(_run.RunDirectory, (int)LatestVersion)));
        if (!Started && LearnersReady())
        {
            Started = true;
            Emit(new Say($"all {Learners().Count} learner rank(s) joined; starting the flywheel"));
            NextStage();
        }
        else if (Started && member.Role == WorkerRole.Learner && _stage is { Kind: not PlannedKind.Eval } s)
            Emit(new SendTo(member.Id, ToRunStage(s))); // a learner registering again gets its stage again; it ignores a repeat
        return Drain();
    }

    /// <summary>A member left the cluster: its leases go back to the queue; losing a learner stops the run.</summary>
    public IReadOnlyList<CoordinatorEffect> MemberLost(string id)
    {
        if (!_members.Remove(id, out var member)) return Drain();
        _requestedStep.Remove(id);
        Emit(new Warn($"{id} ({WorkerRoles.Name(member.Role)} rank {member.Rank}) left the cluster"));
        foreach (var (kind, book) in _books)
        {
            _credit[kind].Remove(id);
            int n = book.HolderLost(id);
            if (n > 0) Emit(new CountMetric(CoordinatorCounter.LeasesReissued, n, ReissueReasons.MemberLost));
        }
        if (member.Role == WorkerRole.Learner && Started && !Finishing)
            Finish($"learner rank {member.Rank} ({member.Address}) left the cluster; the run stops here and continues with --resume from the last checkpoint");
        Dispatch();
        return Drain();
    }

    /// <summary>
    /// Whether <paramref name="from"/> is a registered worker (of any role); otherwise <paramref name="refusals"/>
    /// says the message was refused. The actor asks this for messages it handles itself (chunks).
    /// </summary>
    public bool Admits(string from, IRemitMessage message, out IReadOnlyList<CoordinatorEffect> refusals)
    {
        bool admitted = From(from, message, WorkerRoles.All) is not null;
        refusals = Drain();
        return admitted;
    }

    private List<CoordinatorMember> Learners() =>
        _members.Values.Where(m => m.Role == WorkerRole.Learner).OrderBy(m => m.Rank).ToList();

    private bool LearnersReady()
    {
        var learners = Learners();
        if (learners.Count == 0) return false;
        int size = learners[0].Size;
        return learners.Count == size && learners.Select(l => l.Rank).Order().SequenceEqual(Enumerable.Range(0, size));
    }

    // The registered worker behind `from` when its role is one of roles; otherwise the message is refused and null returned.
    private CoordinatorMember? From(string from, IRemitMessage message, params WorkerRole[] roles)
    {
        if (!_members.TryGetValue(from, out var member)) { Reject(RejectReasons.NotMember, from, message, "not a registered worker"); return null; }
        if (!roles.Contains(member.Role)) { Reject(RejectReasons.WrongRole, from, message, $"a {WorkerRoles.Name(member.Role)} does not send it"); return null; }
        return member;
    }

    // Learner rank 0 speaks for the learners (stage completion, weights announcements).
    private CoordinatorMember? FromLeadLearner(string from, IRemitMessage message)
    {
        if (From(from, message, WorkerRole.Learner) is not { } learner) return null;
        if (learner.Rank == 0) return learner;
        Reject(RejectReasons.WrongRole, from, message, $"learner rank {learner.Rank} does not send it (rank 0 does)");
        return null;
    }

    private void Reject(string reason, string from, IRemitMessage message, string why) =>
        Emit(new Refuse(reason, $"{message.GetType().Name} from {Describe(from)}: {why}"));

    // ------------------------------------------------------------------ stages

    private void NextStage()
    {
        if (Finishing) return;
        if (_stage is { Kind: PlannedKind.Rl })
        {
            // Every rollout of a finished RL stage must have been used; anything still queued was lost.
            long lost = _books[WorkKind.Rollout].Pending + _books[WorkKind.Rollout].Leased + _books[WorkKind.Verify].Pending + _books[WorkKind.Verify].Leased;
            if (lost > 0)
            {
                Emit(new CountMetric(CoordinatorCounter.ExperiencesLost, lost));
                Emit(new Warn($"{_stage.Name}: {lost} rollout work item(s) never reached the learner"));
            }
            _books[WorkKind.Rollout].Clear();
            _books[WorkKind.Verify].Clear();
            _issued.Clear();
        }
        if (_stage is { } ended)
        {
            // Batches a learner prefetched for scoring beyond the stage's last step: nobody will train on them.
            var unneeded = _books[WorkKind.Guide].Withdraw(w => w is GuideWork g && g.Stage == ended.Name);
            foreach (long id in unneeded) _guideRequesters.Remove(id);
            if (unneeded.Count > 0) Emit(new Say($"{ended.Name}: {unneeded.Count} prefetched guide batch(es) were not needed and were withdrawn"));
        }
        _stage = null;
        Progress();
        while (++_stageIndex < _plan.Count && _stageDone(_plan[_stageIndex].Name))
            Emit(new Say($"{_plan[_stageIndex].Name}: done, skipped"));
        if (_stageIndex >= _plan.Count) { Finish(null); return; }

        var stage = _stage = _plan[_stageIndex];
        _stageStarted = _time.GetUtcNow();
        _learnerStep = -1;
        if (stage.Name != _journaledStage)
        {
            _journaledStage = stage.Name;
            _restored.Clear();
            Emit(new Persist(new StageStartedRecord(stage.Name), Restart: true));
        }
        Emit(new Say($"stage {_stageIndex + 1}/{_plan.Count}: {stage.Name}"));
        if (stage.Kind == PlannedKind.Eval)
        {
            // Every remaining evaluation at once: rollout nodes take them in parallel (evaluations close the plan).
            for (int i = _stageIndex; i < _plan.Count; i++)
                if (_plan[i].Kind == PlannedKind.Eval && !_stageDone(_plan[i].Name))
                {
                    long id = WorkId(_plan[i].Name, 0, 0);
                    _books[WorkKind.Eval].Add(id, new EvalWork(id, _plan[i].To));
                    _evalStarted[id] = _time.GetUtcNow();
                }
            Dispatch();
            return;
        }
        if (stage.Kind == PlannedKind.Rl)
        {
            _stageRun = _run.ForStage(stage);
            _policyVersions.Clear();
            _verified.Clear();
            _stepWaiters.Clear();
            _requestedStep.Clear();
            _draws.Clear();
            _complete.Clear();
            _nextIssueStep = -1; // set by the learner's first step request (it may resume mid-stage)
        }
        foreach (var learner in Learners()) Emit(new SendTo(learner.Id, ToRunStage(stage)));
    }

    /// <summary>Learner rank 0 finished the current stage: the next one starts (or the run ends).</summary>
    public IReadOnlyList<CoordinatorEffect> StageCompleted(string from, StageCompleted c)
    {
        if (FromLeadLearner(from, c) is null || c.Stage != _stage?.Name) return Drain();
        Emit(new Say($"{c.Stage}: done in {(_time.GetUtcNow() - _stageStarted).TotalSeconds:F0} s"));
        NextStage();
        return Drain();
    }

    /// <summary>Learner rank 0 logged a step of the current token stage: the run moved (the watchdog's clock restarts).</summary>
    public IReadOnlyList<CoordinatorEffect> StageProgress(string from, StageProgress p)
    {
        if (FromLeadLearner(from, p) is null || p.Stage != _stage?.Name) return Drain();
        if (p.Step > _learnerStep) { _learnerStep = p.Step; Progress(); }
        return Drain();
    }

    /// <summary>A learner rank failed its stage: the run stops with its error.</summary>
    public IReadOnlyList<CoordinatorEffect> StageFailed(string from, StageFailed f)
    {
        if (From(from, f, WorkerRole.Learner) is not null) Finish($"{f.Stage} failed on {Describe(from)}: {f.Error}");
        return Drain();
    }

    private static RunStage ToRunStage(PlannedStage s) => new(s.Name, s.Kind.ToString(), s.From, s.To, s.Weighting, s.Guide);

    // ------------------------------------------------------------------ guide

    /// <summary>
    /// A learner's mid-training batch for the guide. Idempotent: a batch still queued or leased is waited for;
    /// one already scored gets its scores again (the answer may have been lost).
    /// </summary>
    public IReadOnlyList<CoordinatorEffect> GuideWork(string from, GuideWork work)
    {
        if (From(from, work, WorkerRole.Learner) is null) return Drain();
        var book = _books[WorkKind.Guide];
        if (book.IsWithdrawn(work.WorkId)) return Drain(); // its stage is over
        if (book.IsCompleted(work.WorkId))
        {
            if (_guideDelivered.TryGetValue(work.WorkId, out var scored)) Emit(new SendTo(from, scored));
            return Drain();
        }
        _guideRequesters.TryAdd(work.WorkId, from);
        if (book.TryAdd(work.WorkId, work)) Progress();
        Dispatch();
        return Drain();
    }

    /// <summary>A guide node's scores go to the learner that asked for them.</summary>
    public IReadOnlyList<CoordinatorEffect> GuideScored(string from, GuideScored scored)
    {
        if (From(from, scored, WorkerRole.Guide) is null || !Accept(WorkKind.Guide, scored.WorkId, null, from, scored)) return Drain();
        if (_guideRequesters.Remove(scored.WorkId, out var learner))
        {
            _guideDelivered[scored.WorkId] = scored;
            _guideDeliveredOrder.Enqueue(scored.WorkId);
            while (_guideDeliveredOrder.Count > GuideResultsKept) _guideDelivered.Remove(_guideDeliveredOrder.Dequeue());
            Emit(new SendTo(learner, scored));
        }
        Dispatch();
        return Drain();
    }

    // ------------------------------------------------------------------ evaluation

    /// <summary>An evaluation's rows: recorded in the run directory; the run ends with the last one.</summary>
    public IReadOnlyList<CoordinatorEffect> EvalDone(string from, EvalDone done)
    {
        if (From(from, done, WorkerRole.Rollout) is null) return Drain();
        // The model name becomes file names in the run directory: it must be a plain name and the one its lease names.
        var lease = _books[WorkKind.Eval].Work(done.WorkId) as EvalWork;
        string? bad = RunPaths.Problem(done.Model) ?? (lease is not null && lease.Model != done.Model ? $"is not the model of work {done.WorkId} ({lease.Model})" : null);
        if (bad is not null)
        {
            Reject(RejectReasons.BadContent, from, done, $"model '{Printable(done.Model)}': {bad}");
            return Drain();
        }
        if (!Accept(WorkKind.Eval, done.WorkId, null, from, done)) return Drain();
        IReadOnlyList<ResultRow> rows;
        try { rows = ResultsFile.RowsFromJson(done.RowsJson); }
        catch (JsonException e) { Finish($"evaluation of {done.Model} sent unreadable rows: {e.Message}"); return Drain(); }
        Emit(new RecordEvaluation(done.Model, rows, _evalStarted.GetValueOrDefault(done.WorkId, _time.GetUtcNow())));
        var id = rows.FirstOrDefault(r => r.Split == "id" && r.K == 1);
        Emit(new Say($"eval:{done.Model}: done by {Describe(from)}" + (id is null ? "" : $", ID greedy pass@1 {id.PassAtK:F3} (n={id.N})")));
        if (_books[WorkKind.Eval].Pending == 0 && _books[WorkKind.Eval].Leased == 0) Finish(null);
        else Dispatch();
        return Drain();
    }

    // ------------------------------------------------------------------ work pulling

    /// <summary>A worker asks for <c>Count</c> more items of a kind its role takes.</summary>
    public IReadOnlyList<CoordinatorEffect> RequestWork(string from, RequestWork r)
    {
        if (!WorkKindNames.TryParse(r.Kind, out var kind) || kind == WorkKind.Eval)
        {
            Reject(RejectReasons.BadContent, from, r, $"unknown work kind '{Printable(r.Kind)}'");
            return Drain();
        }
        if (From(from, r, WorkKindNames.Worker(kind)) is null) return Drain();
        AddCredit(kind, from, r.Count);
        Dispatch();
        return Drain();
    }

    /// <summary>A failed lease goes to the next worker; work that fails <see cref="MaxAttempts"/> times stops the run with its error.</summary>
    public IReadOnlyList<CoordinatorEffect> WorkFailed(string from, WorkFailed f)
    {
        if (From(from, f, WorkerRoles.All) is null) return Drain();
        if (!WorkKindNames.TryParse(f.Kind, out var kind)) { Reject(RejectReasons.BadContent, from, f, $"unknown work kind '{Printable(f.Kind)}'"); return Drain(); }
        var book = _books[kind];
        if (book.IsWithdrawn(f.WorkId)) return Drain(); // no longer wanted: nothing to reissue
        if (!book.Release(f.WorkId, from))
        {
            Reject(book.Knows(f.WorkId) && !book.IsCompleted(f.WorkId) ? RejectReasons.NotLeaseHolder : RejectReasons.UnknownLease, from, f,
                   $"{f.Kind} work {f.WorkId} is not leased to it");
            return Drain();
        }
        int n = _failures[f.WorkId] = _failures.GetValueOrDefault(f.WorkId) + 1;
        Emit(new CountMetric(CoordinatorCounter.LeasesReissued, 1, ReissueReasons.Failed));
        if (n >= MaxAttempts) Finish($"{f.Kind} work {f.WorkId} failed {n} times; last error from {Describe(from)}: {f.Error}");
        else Dispatch();
        return Drain();
    }

    /// <summary>Once a second: leases past their deadline go back to the queue and their holders get the credit back.</summary>
    public IReadOnlyList<CoordinatorEffect> Tick()
    {
        foreach (var (kind, book) in _books)
        {
            var holders = book.ExpireDue();
            if (holders.Count == 0) continue;
            Emit(new CountMetric(CoordinatorCounter.LeasesReissued, holders.Count, ReissueReasons.Timeout));
            Emit(new Warn($"{holders.Count} {WorkKindNames.Name(kind)} lease(s) timed out and were reissued"));
            // The credit a lease used comes back: a lease lost on the way would otherwise cost its worker that room for good.
            foreach (string holder in holders)
                if (_members.ContainsKey(holder)) AddCredit(WorkKindNames.CreditOf(kind), holder, 1);
        }
        Dispatch();
        return Drain();
    }

    /// <summary>The run stops with <paramref name="error"/> (the stall watchdog, a send that cannot be made).</summary>
    public IReadOnlyList<CoordinatorEffect> Stop(string error)
    {
        Finish(error);
        return Drain();
    }

    // Whether a result is the first for its lease and comes from a worker that was handed it; duplicates are
    // counted and dropped, results from others refused.
    private bool Accept(WorkKind kind, long workId, string? stage, string from, IRemitMessage result)
    {
        switch (_books[kind].Complete(workId, from))
        {
            case LeaseBook<string>.Outcome.Duplicate:
                Emit(new CountMetric(CoordinatorCounter.DuplicateResultsDropped, 1));
                Emit(new Say($"dropped a duplicate {WorkKindNames.Name(kind)} result for work {workId}"));
                return false;
            case LeaseBook<string>.Outcome.Unknown:
                Reject(RejectReasons.UnknownLease, from, result, $"{WorkKindNames.Name(kind)} work {workId} is not outstanding");
                return false;
            case LeaseBook<string>.Outcome.Withdrawn:
                return false; // its stage ended before it was answered: not used, not a duplicate
            case LeaseBook<string>.Outcome.NotHolder:
                Reject(RejectReasons.NotLeaseHolder, from, result, $"{WorkKindNames.Name(kind)} work {workId} was never leased to it");
                return false;
        }
        Progress();
        return stage is null || stage == _stage?.Name;
    }

    private void AddCredit(WorkKind kind, string worker, int count) =>
        _credit[kind][worker] = _credit[kind].GetValueOrDefault(worker) + Math.Max(0, count); // "n more", on top of what it still has room for

    // Gives pending work to workers with room for it; rollout nodes also run evaluations.
    private void Dispatch()
    {
        if (Finishing) return;
        Give(WorkKind.Rollout, WorkKind.Rollout);
        Give(WorkKind.Rollout, WorkKind.Eval);
        Give(WorkKind.Verify, WorkKind.Verify);
        Give(WorkKind.Guide, WorkKind.Guide);
    }

    private void Give(WorkKind creditKind, WorkKind bookKind)
    {
        var book = _books[bookKind];
        foreach (var (worker, room) in _credit[creditKind].ToList())
        {
            if (book.Pending == 0) return;
            if (room <= 0) continue;
            var work = book.Take(worker, room);
            _credit[creditKind][worker] = room - work.Count;
            foreach (var w in work) Emit(new SendTo(worker, (IRemitMessage)w));
        }
    }

    // ------------------------------------------------------------------ what the run waits for

    /// <summary>What the run waits for now, in words, or null when nothing is outstanding.</summary>
    public string? Awaited()
    {
        if (!Started || Finishing) return null;
        var parts = new List<string>();
        // A token stage's learners owe the run their next logged step (StageProgress, every log_every steps).
        if (_stage is { Kind: PlannedKind.Pretrain or PlannedKind.MidTrain or PlannedKind.Sft } training && Learners().Any())
            parts.Add($"the next logged step of {training.Name} from learner rank 0 ({(_learnerStep < 0 ? "none logged yet" : $"last: step {_learnerStep}")})");
        foreach (var (kind, book) in _books)
            if (book.Pending + book.Leased > 0) parts.Add($"{WorkKindNames.Name(kind)} work ({book.Pending} waiting for a worker, {book.Leased} leased)");
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

    // Text from a message as one printable line (it goes to the console and the log).
    internal static string Printable(string? text) =>
        text is null ? "" : new string(text.Take(200).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    // ------------------------------------------------------------------ the end

    private void Finish(string? error)
    {
        if (Finishing) return;
        Finishing = true;
        foreach (var book in _books.Values) book.Clear();
        Emit(new FinishRun(error));
    }

    private void Progress() => Progressed++;

    private void Emit(CoordinatorEffect effect) => _out.Add(effect);

    private List<CoordinatorEffect> Drain()
    {
        var effects = _out.ToList();
        _out.Clear();
        return effects;
    }
}
