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
/// and stop when the run finishes.
/// </summary>
public abstract class RoleWorker : ReceiveActor, IWithTimers
{
    protected readonly IActorRef Coordinator;
    protected readonly NodeServices Node;
    protected readonly ILoggingAdapter Log = Context.GetLogger();
    private readonly string _role;
    private readonly int _rank, _size;
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
        var assembler = new ChunkAssembler(onDropped: reason => Node.Metrics.MessagesDropped.WithLabels(reason).Inc(), log: Log);
        Receive<MessageChunk>(c => { if (assembler.Add(c) is { } whole) Self.Forward(whole); });
        Receive<Computed>(c =>
        {
            if (c.Error is not null)
            {
                Log.Error("{0}", c.Error);
                Coordinator.Tell(new WorkFailed(c.WorkId, c.Kind, c.Error));
            }
            if (c.Reply is not null) Coordinator.Tell(c.Reply);
            if (CreditKind is { } kind) Coordinator.Tell(new RequestWork(kind, 1));
            OnComputed();
        });
    }

    protected override void PreStart()
    {
        Register();
        Timers.StartPeriodicTimer("register", new RegisterTick(), TimeSpan.FromSeconds(3));
    }

    private void Register() => Coordinator.Tell(new RegisterWorker(_role, _rank, _size, Environment.ProcessId, Environment.MachineName, Node.MetricsPort));

    /// <summary>The coordinator knows this worker: start pulling work.</summary>
    protected abstract void OnRegistered(WorkerRegistered registered);

    /// <summary>A computation's reply went out (or its failure was reported): e.g. start the next queued item.</summary>
    protected virtual void OnComputed() { }

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
