namespace ReMiT.Cluster.Coordination;

/// <summary>
/// The coordinator's bookkeeping for one kind of work, free of Akka so it can be tested alone:
/// pending items in FIFO order, leases on items handed out (holder + deadline), and the ids already
/// completed. A lease that times out or whose holder leaves goes back to the front of the queue; a
/// result for an id already completed is a duplicate and is reported as such, never used twice.
/// Lease ages are measured on the monotonic clock (<see cref="TimeProvider.GetTimestamp"/>), so a wall
/// clock stepped by NTP or by hand neither expires every lease at once nor keeps a lost one forever.
/// </summary>
/// <typeparam name="THolder">Who holds a lease (an actor ref in the coordinator).</typeparam>
public sealed class LeaseBook<THolder>(TimeSpan leaseTimeout, TimeProvider? time = null) where THolder : notnull
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly LinkedList<(long Id, object Work)> _pending = new();
    private readonly Dictionary<long, Lease> _leased = [];
    private readonly HashSet<long> _completed = [];

    private sealed record Lease(long Id, object Work, THolder Holder, long TakenAt, int Attempt);

    /// <summary>Items waiting for a worker (the queue-depth metric).</summary>
    public int Pending => _pending.Count;

    /// <summary>Items handed out and not yet answered.</summary>
    public int Leased => _leased.Count;

    public int Completed => _completed.Count;

    /// <summary>Queues new work; an id seen before (pending, leased or done) is refused.</summary>
    public void Add(long id, object work)
    {
        if (_completed.Contains(id) || _leased.ContainsKey(id) || _pending.Any(p => p.Id == id))
            throw new InvalidOperationException($"work id {id} was already added.");
        _pending.AddLast((id, work));
    }

    /// <summary>Hands up to <paramref name="count"/> pending items to <paramref name="holder"/>.</summary>
    public IReadOnlyList<object> Take(THolder holder, int count)
    {
        var given = new List<object>();
        while (given.Count < count && _pending.First is { } first)
        {
            _pending.RemoveFirst();
            var (id, work) = first.Value;
            _leased[id] = new Lease(id, work, holder, _time.GetTimestamp(), 1);
            given.Add(work);
        }
        return given;
    }

    /// <summary>What a result means for the run.</summary>
    public enum Outcome { Accepted, Duplicate, Unknown }

    /// <summary>
    /// Records a result for <paramref name="id"/>. Accepted once (even from a worker whose lease had
    /// expired and been reissued — the reissued copy is then withdrawn); later arrivals are duplicates.
    /// </summary>
    public Outcome Complete(long id)
    {
        if (_completed.Contains(id)) return Outcome.Duplicate;
        bool leased = _leased.Remove(id);
        var node = _pending.First;
        bool pending = false;
        while (node is not null)
        {
            if (node.Value.Id == id) { _pending.Remove(node); pending = true; break; }
            node = node.Next;
        }
        if (!leased && !pending) return Outcome.Unknown;
        _completed.Add(id);
        return Outcome.Accepted;
    }

    /// <summary>Puts back every lease past its deadline; returns how many.</summary>
    public int ExpireDue()
    {
        return Requeue(_leased.Values.Where(l => _time.GetElapsedTime(l.TakenAt) >= leaseTimeout).ToList());
    }

    /// <summary>Puts back every lease <paramref name="holder"/> holds (it left the cluster); returns how many.</summary>
    public int HolderLost(THolder holder) =>
        Requeue(_leased.Values.Where(l => EqualityComparer<THolder>.Default.Equals(l.Holder, holder)).ToList());

    /// <summary>Puts one outstanding lease back at the front of the queue (its worker reported a failure).</summary>
    public bool Release(long id)
    {
        if (!_leased.TryGetValue(id, out var lease)) return false;
        Requeue([lease]);
        return true;
    }

    /// <summary>Drops everything not yet completed (a stage ended or the run was stopped).</summary>
    public void Clear()
    {
        _pending.Clear();
        _leased.Clear();
    }

    /// <summary>The work item behind a lease still outstanding, or null.</summary>
    public object? Outstanding(long id) => _leased.TryGetValue(id, out var l) ? l.Work : null;

    private int Requeue(List<Lease> leases)
    {
        // Oldest first, at the front: reissued work goes out before anything newer.
        foreach (var lease in leases.OrderByDescending(l => l.Id))
        {
            _leased.Remove(lease.Id);
            _pending.AddFirst((lease.Id, lease.Work));
        }
        return leases.Count;
    }
}
