using Akka.Actor;
using Akka.Event;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// What every worker role shares: introduce itself to the coordinator (again every few seconds until
/// answered, since the singleton may not be up yet), pull work in the amount it can hold, run each
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
    private readonly string _role;
    private readonly int _rank, _size;
    private readonly CoordinatorIdentity _coordinator;
    private readonly RejectionLog _rejections;
    private ChunkAssembler? _assembler;
    private bool _registered;

    private sealed record RegisterTick;

    /// <summary>A computation finished: its reply, or the error that stopped it.</summary>
    private sealed record Computed(long WorkId, string Kind, IRemitMessage? Reply, string? Error);

    public ITimerScheduler Timers { get; set; } = null!;

    protected RoleWorker(string role, IActorRef coordinator, NodeServices node, int rank = 0, int size = 1)
    {
        _role = role;
        _rank = rank;
        _size = size;
        Coordinator = coordinator;
        Node = node;
        _coordinator = new CoordinatorIdentity(coordinator, Context.System);
        _rejections = new RejectionLog(node.Metrics, Log);
        Receive<RegisterTick>(_ => { if (!_registered) Register(); });
        Receive<WorkerRegistered>(r =>
        {
            bool first = !_registered;
            _registered = true;
            Timers.Cancel("register");
            if (first) OnRegistered(r);
        });
        Receive<RunFinished>(f => Node.Finished.TrySetResult(f.Error));
        // Big messages arrive in chunks; the whole message is handled as if it came in one piece.
        Receive<MessageChunk>(c => { if (Assembler().Add(c, ChunkAssembler.SenderKey(Sender)) is { } whole) Self.Forward(whole); });
        Receive<Computed>(c =>
        {
            if (c.Error is not null)
            {
                Log.Error("{0}", c.Error);
                Coordinator.Tell(new WorkFailed(c.WorkId, c.Kind, c.Error));
            }
            if (c.Reply is not null) Coordinator.Tell(c.Reply);
            if (CreditKind is { } kind) Coordinator.Tell(new RequestWork(kind, 1));
            OnComputed(c.WorkId);
        });
    }

    // The gate: protocol messages only from the current coordinator (chunks included, so a stranger
    // cannot even fill the assembler). Our own messages (timers, computations) are not protocol messages.
    protected override bool AroundReceive(Receive receive, object message)
    {
        if (message is IRemitMessage && !_coordinator.IsCurrent(Sender))
        {
            _rejections.Reject(RejectReasons.NotCoordinator, $"{message.GetType().Name} from {Sender.Path} (the {_role} obeys only the current coordinator)");
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

    private void Register() => Coordinator.Tell(new RegisterWorker(_role, _rank, _size, Environment.ProcessId, Environment.MachineName, Node.MetricsPort));

    /// <summary>The coordinator knows this worker: start pulling work.</summary>
    protected abstract void OnRegistered(WorkerRegistered registered);

    /// <summary>A computation's reply went out (or its failure was reported): e.g. start the next queued item.</summary>
    protected virtual void OnComputed(long workId) { }

    /// <summary>The work kind this worker asks for again after each item (null: it takes no leases, like learners).</summary>
    protected virtual string? CreditKind => null;

    /// <summary>Fails a lease without computing it (e.g. it names something that cannot be used): reported as <see cref="WorkFailed"/>, then the next item is asked for.</summary>
    protected void Fail(long workId, string kind, string error) => Self.Tell(new Computed(workId, kind, null, error));

    /// <summary>
    /// Runs a lease's computation on a pool thread; the reply goes to the coordinator, an error is
    /// reported as <see cref="WorkFailed"/>, and either way the worker asks for its next item.
    /// </summary>
    protected void RunOffActor(long workId, string kind, Func<IRemitMessage?> compute, string what) =>
        Task.Run(() => new Computed(workId, kind, compute(), null)).PipeTo(Self, failure: e =>
        {
            var inner = e is AggregateException a ? a.InnerException ?? e : e;
            return new Computed(workId, kind, null, $"{what}: {inner.Message}");
        });
}
