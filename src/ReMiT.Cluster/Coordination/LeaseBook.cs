namespace ReMiT.Cluster.Coordination;

/// <summary>
/// The coordinator's bookkeeping for one kind of work, free of Akka so it can be tested alone:
/// pending items in FIFO order, leases on items handed out (holder + deadline), who has held each item
/// not yet completed, and the ids already completed. A lease that times out or whose holder leaves goes
/// back to the front of the queue; a result for an id already completed is a duplicate and is reported
/// as such, never used twice; a result or failure from someone who never held the item is refused.
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
    private readonly HashSet<long> _withdrawn = []; // no longer wanted (their stage ended): a late result is dropped quietly
    // Everyone an item not yet completed was leased to: the current holder and those whose lease on it
    // timed out or who left (their late result is the same work, made from the same seed, and is used once).
    private readonly Dictionary<long, List<THolder>> _heldBy = [];

    private sealed record Lease(long Id, object Work, THolder Holder, long TakenAt, int Attempt);

    /// <summary>Items waiting for a worker (the queue-depth metric).</summary>
    public int Pending => _pending.Count;

    /// <summary>Items handed out and not yet answered.</summary>
    public int Leased => _leased.Count;

    public int Completed => _completed.Count;

    /// <summary>Queues new work; an id seen before (pending, leased or done) is refused.</summary>
    public void Add(long id, object work)
    {
        if (!TryAdd(id, work))
            throw new InvalidOperationException($"work id {id} was already added.");
    }

    /// <summary>Queues new work unless its id was seen before (pending, leased or done); returns whether it was queued.</summary>
    public bool TryAdd(long id, object work)
    {
        if (Knows(id))
            return false;
        _pending.AddLast((id, work));
        return true;
    }

    /// <summary>Whether <paramref name="id"/> is pending, leased or completed.</summary>
    public bool Knows(long id) => _completed.Contains(id) || _withdrawn.Contains(id) || _leased.ContainsKey(id) || _pending.Any(p => p.Id == id);

    /// <summary>Whether <paramref name="id"/> was withdrawn (its stage ended before it was answered).</summary>
    public bool IsWithdrawn(long id) => _withdrawn.Contains(id);

    /// <summary>
    /// Takes back every pending or leased item <paramref name="which"/> selects: nobody needs its result any more
    /// (work prefetched for a stage that has ended). A late result for it is <see cref="Outcome.Withdrawn"/>,
    /// neither used nor counted as a duplicate. Returns the ids withdrawn.
    /// </summary>
    public IReadOnlyList<long> Withdraw(Func<object, bool> which)
    {
        var ids = _pending.Where(p => which(p.Work)).Select(p => p.Id).Concat(_leased.Values.Where(l => which(l.Work)).Select(l => l.Id)).ToList();
        foreach (long id in ids)
        {
            _leased.Remove(id);
            _heldBy.Remove(id);
            _withdrawn.Add(id);
        }
        var node = _pending.First;
        while (node is not null)
        {
            var next = node.Next;
            if (_withdrawn.Contains(node.Value.Id)) _pending.Remove(node);
            node = next;
        }
        return ids;
    }

    /// <summary>Whether <paramref name="id"/> was completed.</summary>
    public bool IsCompleted(long id) => _completed.Contains(id);

    /// <summary>Hands up to <paramref name="count"/> pending items to <paramref name="holder"/>.</summary>
    public IReadOnlyList<object> Take(THolder holder, int count)
    {
        var given = new List<object>();
        while (given.Count < count && _pending.First is { } first)
        {
            _pending.RemoveFirst();
            var (id, work) = first.Value;
            _leased[id] = new Lease(id, work, holder, _time.GetTimestamp(), 1);
            if (!_heldBy.TryGetValue(id, out var holders)) _heldBy[id] = holders = [];
            if (!holders.Contains(holder)) holders.Add(holder);
            given.Add(work);
        }
        return given;
    }

    /// <summary>What a result means for the run.</summary>
    /// <remarks><see cref="NotHolder"/>: the id is outstanding but <c>from</c> never held a lease on it (a stranger's or a confused worker's result).
    /// <see cref="Withdrawn"/>: the item was withdrawn (<see cref="Withdraw"/>) and its result is no longer wanted.</remarks>
    public enum Outcome { Accepted, Duplicate, Unknown, NotHolder, Withdrawn }

    /// <summary>
    /// Records a result for <paramref name="id"/> from <paramref name="from"/>. Accepted once, and only
    /// from a worker that was handed the item — its current holder, or one whose lease expired or who
    /// left (the reissued copy is then withdrawn); later arrivals are duplicates.
    /// </summary>
    public Outcome Complete(long id, THolder from)
    {
        if (_completed.Contains(id)) return Outcome.Duplicate;
        if (_withdrawn.Contains(id)) return Outcome.Withdrawn;
        if (!_heldBy.TryGetValue(id, out var holders)) return Outcome.Unknown;
        if (!holders.Contains(from)) return Outcome.NotHolder;
        _heldBy.Remove(id);
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

    /// <summary>Puts back every lease past its deadline; returns their holders, one entry per lease (so each can get its credit back).</summary>
    public IReadOnlyList<THolder> ExpireDue()
    {
        var due = _leased.Values.Where(l => _time.GetElapsedTime(l.TakenAt) >= leaseTimeout).ToList();
        Requeue(due);
        return due.Select(l => l.Holder).ToList();
    }

    /// <summary>Puts back every lease <paramref name="holder"/> holds (it left the cluster); returns how many.</summary>
    public int HolderLost(THolder holder) =>
        Requeue(_leased.Values.Where(l => EqualityComparer<THolder>.Default.Equals(l.Holder, holder)).ToList());

    /// <summary>
    /// Puts one outstanding lease back at the front of the queue because its worker reported a failure;
    /// false (nothing changes) unless <paramref name="from"/> holds that lease now.
    /// </summary>
    public bool Release(long id, THolder from)
    {
        if (!_leased.TryGetValue(id, out var lease) || !EqualityComparer<THolder>.Default.Equals(lease.Holder, from)) return false;
        Requeue([lease]);
        return true;
    }

    /// <summary>Drops everything not yet completed (a stage ended or the run was stopped).</summary>
    public void Clear()
    {
        _pending.Clear();
        _leased.Clear();
        _heldBy.Clear();
    }

    /// <summary>The work item behind a lease still outstanding, or null.</summary>
    public object? Outstanding(long id) => _leased.TryGetValue(id, out var l) ? l.Work : null;

    /// <summary>The work item behind <paramref name="id"/> while it is pending or leased (not completed), or null.</summary>
    public object? Work(long id)
    {
        if (_leased.TryGetValue(id, out var l)) return l.Work;
        foreach (var (pendingId, work) in _pending)
            if (pendingId == id) return work;
        return null;
    }

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
