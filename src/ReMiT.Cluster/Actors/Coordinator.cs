using System.Text.Json.Nodes;
using Akka.Actor;
using Akka.Event;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;
using ReMiT.Cluster.Metrics;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// The run's coordinator (a cluster singleton), kept thin: it decodes a message, checks that its sender is
/// an up cluster member (registration) and names it by a stable id, applies it to the pure
/// <see cref="CoordinatorState"/> (where every decision is made and tested), and carries out what the
/// state decides: sends (chunked when big), refusals (counted in <c>remit_messages_rejected_total{reason}</c>),
/// metrics, evaluation rows written to the run directory, and at the end results.json and the report
/// (built on a background task and piped back).
/// <para>
/// No hangs: when work is outstanding but nothing has moved for <c>cluster.stall_timeout_s</c>, the run
/// stops with an error naming what it waited for (<see cref="CoordinatorState.Awaited"/>).
/// </para>
/// </summary>
public sealed class Coordinator : ReceiveActor, IWithTimers
{
    private readonly RunContext _run;
    private readonly RemitMetrics _metrics;
    private readonly TaskCompletionSource<string?> _finished;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly TextWriter _console; // progress lines people read (warnings go to the Akka log)
    private readonly CoordinatorState _state;
    private readonly CoordinatorJournal _journal;
    private readonly Dictionary<string, IActorRef> _refs = [];  // member id → its actor
    private readonly RejectionLog _rejections;
    private readonly int _messageCap;          // cluster.max_message_mib, in bytes
    private readonly TimeSpan _stallTimeout;   // cluster.stall_timeout_s
    private long _lastProgress = System.Diagnostics.Stopwatch.GetTimestamp();
    private long _progressSeen;

    private sealed record Tick;
    private sealed record ReportBuilt(string? Error);

    public ITimerScheduler Timers { get; set; } = null!;

    public Coordinator(RunContext run, RemitMetrics metrics, TaskCompletionSource<string?> finished, TextWriter console)
    {
        _console = console;
        _run = run;
        _metrics = metrics;
        _finished = finished;
        _state = new CoordinatorState(run, stage => StageRunner.IsDone(run.RunDirectory, stage));
        // An earlier coordinator on this run directory (the singleton moved, the process restarted): take over its journal.
        string journalPath = CoordinatorJournal.PathIn(run.RunDirectory);
        var journal = CoordinatorJournal.Read(journalPath);
        if (journal.TornTail is { } torn) _log.Warning("{0}", torn);
        _state.Restore(journal.Records);
        if (_state.RestoredUnits > 0) console.WriteLine($"{journalPath}: {_state.RestoredUnits} verified rollout lease(s) restored from an earlier coordinator");
        _journal = CoordinatorJournal.Open(journalPath, journal.GoodLength);
        _rejections = new RejectionLog(metrics, _log);
        _messageCap = ChunkAssembler.MessageCapOf(run.Config.Cluster);
        _stallTimeout = TimeSpan.FromSeconds(run.Config.Cluster.StallTimeoutS);

        Receive<RegisterWorker>(OnRegister);
        Receive<Terminated>(t =>
        {
            string id = IdOf(t.ActorRef);
            _refs.Remove(id);
            Apply(_state.MemberLost(id));
        });
        Receive<RequestWork>(m => Apply(_state.RequestWork(IdOf(Sender), m)));
        Receive<RolloutsDone>(m => Apply(_state.RolloutsDone(IdOf(Sender), m)));
        Receive<RolloutsVerified>(m => Apply(_state.Verified(IdOf(Sender), m)));
        Receive<GuideWork>(m => Apply(_state.GuideWork(IdOf(Sender), m)));
        Receive<GuideScored>(m => Apply(_state.GuideScored(IdOf(Sender), m)));
        Receive<EvalDone>(m => Apply(_state.EvalDone(IdOf(Sender), m)));
        Receive<WeightsPublished>(m => Apply(_state.WeightsPublished(IdOf(Sender), m)));
        Receive<RequestRlStep>(m => Apply(_state.RequestRlStep(IdOf(Sender), m)));
        Receive<StageCompleted>(m => Apply(_state.StageCompleted(IdOf(Sender), m)));
        Receive<StageFailed>(m => Apply(_state.StageFailed(IdOf(Sender), m)));
        Receive<StageProgress>(m => Apply(_state.StageProgress(IdOf(Sender), m)));
        Receive<WorkFailed>(m => Apply(_state.WorkFailed(IdOf(Sender), m)));
        Receive<Tick>(_ => OnTick());
        var assembler = new ChunkAssembler(maxMessageBytes: _messageCap, onDropped: reason => metrics.MessagesDropped.WithLabels(reason).Inc(), log: _log);
        Receive<MessageChunk>(c =>
        {
            bool admitted = _state.Admits(IdOf(Sender), c, out var refusals);
            Apply(refusals);
            if (admitted && assembler.Add(c, ChunkAssembler.SenderKey(Sender)) is { } whole) Self.Forward(whole);
        });
        Receive<ReportBuilt>(r => Stop(r.Error));
    }

    protected override void PreStart() => Timers.StartPeriodicTimer("tick", new Tick(), TimeSpan.FromSeconds(1));

    protected override void PostStop() => _journal.Dispose();

    // A bug in a handler would otherwise restart this actor with an empty state while every worker still
    // believes it is registered: the run stops with the error instead, and --resume continues it from the run
    // directory and the journal (nothing journaled is lost).
    protected override bool AroundReceive(Receive receive, object message)
    {
        try { return base.AroundReceive(receive, message); }
        catch (Exception e) when (!_state.Finishing)
        {
            _log.Error(e, "the coordinator failed handling {0} from {1}", message.GetType().Name, Sender.Path);
            Apply(_state.Stop($"the coordinator failed handling {message.GetType().Name}: {e.Message}; the run stops here and continues with --resume"));
            return true;
        }
    }

    // ------------------------------------------------------------------ members

    private void OnRegister(RegisterWorker r)
    {
        string id = IdOf(Sender);
        if (RegistrationProblem(r) is { } problem) { _rejections.Reject(RejectReasons.NotMember, $"{nameof(RegisterWorker)} from {Sender.Path}: {problem}"); return; }
        if (!IsUp(Sender)) { _log.Debug("{0} registers before this node sees it up; it will try again", Sender.Path); return; }
        WorkerRoles.TryParse(r.Role, out var role); // RegistrationProblem checked it
        if (!_refs.ContainsKey(id)) Context.Watch(Sender);
        _refs[id] = Sender;
        Apply(_state.Register(new CoordinatorMember(id, role, r.Rank, r.Size, r.Pid, CoordinatorState.Printable(r.Host), AddressOf(Sender), r.MetricsPort)));
    }

    // Why Sender cannot register as r says, or null: it must be a worker role, on an up cluster member
    // that joined with that role (a process that merely reaches the port is no member).
    private string? RegistrationProblem(RegisterWorker r)
    {
        if (!WorkerRoles.TryParse(r.Role, out _))
            return $"role '{CoordinatorState.Printable(r.Role)}' is not a worker role ({string.Join(", ", WorkerRoles.All.Select(WorkerRoles.Name))})";
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

    // A member's stable id: its actor's path with the cluster address (a local actor is named by this node's address).
    private static string IdOf(IActorRef who) =>
        who.Path.ToStringWithAddress(who.Path.Address.HasLocalScope ? Akka.Cluster.Cluster.Get(Context.System).SelfAddress : who.Path.Address);

    // A worker in this process has a local path; name it by this node's cluster address instead.
    private static string AddressOf(IActorRef who) =>
        (who.Path.Address.HasLocalScope ? Akka.Cluster.Cluster.Get(Context.System).SelfAddress : who.Path.Address).ToString();

    private void UpdateGauges()
    {
        foreach (var role in WorkerRoles.All)
            _metrics.Members.WithLabels(WorkerRoles.Name(role)).Set(_state.Members.Count(m => m.Role == role));
        _metrics.Members.WithLabels("coordinator").Set(1);
        foreach (var kind in WorkKindNames.All) _metrics.QueueDepth.WithLabels(WorkKindNames.Name(kind)).Set(_state.Pending(kind));
        _metrics.PolicyVersion.Set(_state.LatestVersion);
    }

    // ------------------------------------------------------------------ carrying out what the state decided

    private void Apply(IReadOnlyList<CoordinatorEffect> effects)
    {
        foreach (var effect in effects)
        {
            switch (effect)
            {
                case Persist persist:
                    if (persist.Restart) _journal.Restart(persist.Record);
                    else _journal.Append(persist.Record);
                    break;
                case SendTo send:
                    if (_refs.TryGetValue(send.Member, out var to)) Send(to, send.Message);
                    break;
                case Say say: _console.WriteLine(say.Line); break;
                case Warn warn: _log.Warning("{0}", warn.Line); break;
                case Refuse refuse: _rejections.Reject(refuse.Reason, refuse.Why); break;
                case RecordEvaluation eval:
                    StageRunner.RecordEvaluation(_run.RunDirectory, eval.Model, eval.Rows, eval.Started);
                    new MetricsBridge(_metrics).ObserveResults(eval.Rows);
                    break;
                case CountMetric count: Count(count); break;
                case FinishRun finish: Finish(finish.Error); break;
                default: throw new InvalidOperationException($"the coordinator does not carry out {effect.GetType().Name}.");
            }
        }
        if (_state.Progressed != _progressSeen) { _progressSeen = _state.Progressed; _lastProgress = System.Diagnostics.Stopwatch.GetTimestamp(); }
        UpdateGauges();
    }

    private void Count(CountMetric count)
    {
        switch (count.Counter)
        {
            case CoordinatorCounter.LeasesReissued: _metrics.LeasesReissued.WithLabels(count.Label ?? "unknown").Inc(count.Amount); break;
            case CoordinatorCounter.ExperiencesLost: _metrics.ExperiencesLost.Inc(count.Amount); break;
            case CoordinatorCounter.DuplicateResultsDropped: _metrics.DuplicateResultsDropped.Inc(count.Amount); break;
            case CoordinatorCounter.ExperiencesStale: _metrics.ExperiencesStale.Inc(count.Amount); break;
            case CoordinatorCounter.Staleness: _metrics.Staleness.Observe(count.Amount); break;
            default: throw new InvalidOperationException($"no metric for {count.Counter}.");
        }
    }

    // Chunks what is too big for one frame; a message above the receivers' cap stops the run with the
    // cap's key in the error (sending it would only have it refused on arrival).
    private void Send(IActorRef to, IRemitMessage message)
    {
        try { Chunker.Tell(to, message, Self, maxMessageBytes: _messageCap); }
        catch (ArgumentException e) { Apply(_state.Stop($"cannot send {message.GetType().Name} to {_state.Describe(IdOf(to))}: {e.Message}")); }
    }

    private void OnTick()
    {
        Apply(_state.Tick());
        CheckStalled();
    }

    // The watchdog: while something is awaited, something must move within cluster.stall_timeout_s.
    private void CheckStalled()
    {
        if (_state.Awaited() is not { } awaited) { _lastProgress = System.Diagnostics.Stopwatch.GetTimestamp(); return; }
        var idle = System.Diagnostics.Stopwatch.GetElapsedTime(_lastProgress);
        if (idle >= _stallTimeout)
            Apply(_state.Stop($"stalled: nothing moved for {idle.TotalSeconds:F0} s (cluster.stall_timeout_s = {_stallTimeout.TotalSeconds:F0}) while waiting for {awaited}; " +
                              "the run stops here and continues with --resume from the last checkpoint"));
    }

    // ------------------------------------------------------------------ the end

    // The state has stopped handing out work; this writes the results and tells every member.
    private void Finish(string? error)
    {
        if (error is not null) { _log.Error("run stopped: {0}", error); Stop(error); return; }
        _console.WriteLine($"every stage done; writing the report");
        var members = _state.Members.Select(m => (WorkerRoles.Name(m.Role), m.Address, m.Pid))
            .Prepend(("coordinator", AddressOf(Self), Environment.ProcessId)).ToList();
        var endpoints = _state.Members.Where(m => m.MetricsPort > 0).Select(m => (m.Host, m.MetricsPort)).Distinct().ToList();
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
            ["duplicate_results_dropped"] = _metrics.DuplicateResultsDropped.Value,
        };
        (file with { Cluster = section }).Write(path);
    }

    private void Stop(string? error)
    {
        foreach (var member in _state.Members) if (_refs.TryGetValue(member.Id, out var to)) to.Tell(new RunFinished(error));
        _finished.TrySetResult(error);
    }
}
