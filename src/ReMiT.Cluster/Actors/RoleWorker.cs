using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Training.Flywheel;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// What every worker role shares: introduce itself to the coordinator (again every few seconds until
/// answered, since the singleton may not be up yet, and again whenever the singleton moves to another
/// node or restarts, since the new coordinator knows no one: see <see cref="OnReregistered"/>), pull work in the amount it can hold, run each
/// item's computation off the actor's thread and pipe the result back (so Receive never blocks),
/// and stop when the run finishes. Only the current coordinator is obeyed: any protocol message
/// from another sender (a stranger, another worker, a coordinator that is no longer the singleton)
/// is refused before a handler sees it, counted in <c>remit_messages_rejected_total{reason="not_coordinator"}</c>.
/// </summary>
public abstract class RoleWorker : ReceiveActor, IWithTimers
{
    protected readonly IActorRef Coordinator;
    protected readonly NodeServices Node;
    protected readonly ILoggingAdapter Log = Context.GetLogger();
    private readonly WorkerRole _role;
    private readonly int _rank, _size;
    private readonly CoordinatorIdentity _coordinator;
    private readonly RejectionLog _rejections;
    private ChunkAssembler? _assembler;
    private readonly CoordinatorRegistration<UniqueAddress> _registration = new();

    private sealed record RegisterTick;

    /// <summary>A computation finished: its reply, or the error that stopped it.</summary>
    private sealed record Computed(long WorkId, WorkKind Kind, IRemitMessage? Reply, string? Error);

    public ITimerScheduler Timers { get; set; } = null!;

    protected RoleWorker(WorkerRole role, IActorRef coordinator, NodeServices node, int rank = 0, int size = 1)
    {
        _role = role;
        _rank = rank;
        _size = size;
        Coordinator = coordinator;
        Node = node;
        _coordinator = new CoordinatorIdentity(coordinator, Context.System);
        _rejections = new RejectionLog(node.Metrics, Log);
        Receive<RegisterTick>(_ => OnRegisterTick());
        Receive<WorkerRegistered>(r =>
        {
            switch (_registration.Answered(_coordinator.Host()))
            {
                case true: OnRegistered(r); break;
                case false: OnReregistered(r); break;
                default: break; // an answer to a repeated registration
            }
        });
        Receive<RunFinished>(f => Node.Finished.TrySetResult(f.Error));
        // Big messages arrive in chunks; the whole message is handled as if it came in one piece.
        Receive<MessageChunk>(c => { if (Assembler().Add(c, ChunkAssembler.SenderKey(Sender)) is { } whole) Self.Forward(whole); });
        Receive<Computed>(c =>
        {
            if (c.Error is not null)
            {
                Log.Error("{0}", c.Error);
                Coordinator.Tell(new WorkFailed(c.WorkId, WorkKindNames.Name(c.Kind), c.Error));
            }
            if (c.Reply is not null) Coordinator.Tell(c.Reply);
            if (CreditKind is { } kind) AskFor(kind, 1);
            OnComputed(c.WorkId);
        });
    }

    // The gate: protocol messages only from the current coordinator (chunks included, so a stranger
    // cannot even fill the assembler). Our own messages (timers, computations) are not protocol messages.
    protected override bool AroundReceive(Receive receive, object message)
    {
        if (message is IRemitMessage && !_coordinator.IsCurrent(Sender))
        {
            _rejections.Reject(RejectReasons.NotCoordinator, $"{message.GetType().Name} from {Sender.Path} (the {WorkerRoles.Name(_role)} obeys only the current coordinator)");
            return true;
        }
        return base.AroundReceive(receive, message);
    }

    // Built on the first chunk, when the run's config (its message size cap) is readable: chunks only
    // come from the coordinator, after registration.
    private ChunkAssembler Assembler() => _assembler ??= new ChunkAssembler(
        maxMessageBytes: ChunkAssembler.MessageCapOf(Node.Run.Config.Cluster),
        onDropped: reason => Node.Metrics.MessagesDropped.WithLabels(reason).Inc(), log: Log);

    protected override void PreStart()
    {
        Register();
        Timers.StartPeriodicTimer("register", new RegisterTick(), TimeSpan.FromSeconds(3));
    }

    private void Register() => Coordinator.Tell(new RegisterWorker(WorkerRoles.Name(_role), _rank, _size, Environment.ProcessId, Environment.MachineName, Node.MetricsPort));

    // Until answered: register again. Once answered: when the coordinator singleton now runs on another node
    // (or on a restarted incarnation of the same address), the new coordinator does not know this worker and
    // refuses everything it sends: register with it, then re-send what is outstanding (OnReregistered).
    private void OnRegisterTick()
    {
        var now = _coordinator.Host();
        bool moved = _registration.Registered;
        if (!_registration.Due(now)) return;
        if (_role != WorkerRole.Learner && RunIsOver())
        {
            // Restarted (or joined) after the coordinator finished the run and left: nobody will ever answer, and
            // waiting would keep this node, and a pod, up forever. Learners keep asking: a coordinator restarted on a
            // finished run writes its report once every learner rank is back.
            Log.Info("every stage of the run is done and no coordinator answers: the run is over, this node ends");
            Node.Log.WriteLine("node: every stage of the run is done; the run is over");
            Node.Finished.TrySetResult(null);
            return;
        }
        if (moved) Log.Warning("the coordinator moved from {0} to {1}; registering with it again", _registration.AnsweredFrom?.ToString() ?? "nowhere", now);
        Register();
    }

    // Every stage of the run's plan has its summary (what the coordinator itself checks); false while the run is not
    // prepared yet (the coordinator prepares it) or cannot be read.
    private bool RunIsOver()
    {
        try { return Node.Run.Plan.All(stage => StageRunner.IsDone(Node.RunDirectory, stage.Name)); }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException) { return false; }
    }

    /// <summary>Asks the coordinator for <paramref name="count"/> more items of <paramref name="kind"/>.</summary>
    protected void AskFor(WorkKind kind, int count) => Coordinator.Tell(new RequestWork(WorkKindNames.Name(kind), count));

    /// <summary>The coordinator knows this worker: start pulling work.</summary>
    protected abstract void OnRegistered(WorkerRegistered registered);

    /// <summary>
    /// A new coordinator (the singleton moved or restarted) knows this worker now; it has no record of what
    /// the old one handed out or was asked for. By default the worker asks for work as on its first
    /// registration (its credit is gone with the old coordinator); leases it still computes are answered
    /// as usual (the new coordinator refuses what it did not issue and reissues the work itself).
    /// </summary>
    protected virtual void OnReregistered(WorkerRegistered registered) => OnRegistered(registered);

    /// <summary>A computation's reply went out (or its failure was reported): e.g. start the next queued item.</summary>
    protected virtual void OnComputed(long workId) { }

    /// <summary>The work kind this worker asks for again after each item (null: it takes no leases, like learners).</summary>
    protected virtual WorkKind? CreditKind => null;

    /// <summary>Fails a lease without computing it (e.g. it names something that cannot be used): reported as <see cref="WorkFailed"/>, then the next item is asked for.</summary>
    protected void Fail(long workId, WorkKind kind, string error) => Self.Tell(new Computed(workId, kind, null, error));

    /// <summary>
    /// Runs a lease's computation on a pool thread; the reply goes to the coordinator, an error is
    /// reported as <see cref="WorkFailed"/>, and either way the worker asks for its next item.
    /// </summary>
    protected void RunOffActor(long workId, WorkKind kind, Func<IRemitMessage?> compute, string what) =>
        Task.Run(() => new Computed(workId, kind, compute(), null)).PipeTo(Self, failure: e =>
        {
            var inner = e is AggregateException a ? a.InnerException ?? e : e;
            return new Computed(workId, kind, null, $"{what}: {inner.Message}");
        });
}
