using ReMiT.Training.Distributed;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Distributed;

/// <summary>
/// N ranks as threads of one process, for testing data parallelism without MPI. Each collective
/// publishes every rank's buffer, waits for all, and reduces them in rank order (deterministic).
/// </summary>
internal sealed class InProcessGroup
{
    private readonly Barrier _barrier;
    private readonly float[][] _slots;
    private readonly ushort[][] _slots16;

    public InProcessGroup(int size)
    {
        _barrier = new Barrier(size);
        _slots = new float[size][];
        _slots16 = new ushort[size][];
        Ranks = Enumerable.Range(0, size).Select(r => (ICollective)new Member(this, r)).ToArray();
    }

    public IReadOnlyList<ICollective> Ranks { get; }

    /// <summary>Runs <paramref name="body"/> once per rank, each on its own thread; rethrows the first failure.</summary>
    public T[] Run<T>(Func<ICollective, T> body)
    {
        var results = new T[Ranks.Count];
        var failures = new Exception?[Ranks.Count];
        var threads = Ranks.Select((c, r) => new Thread(() =>
        {
            try { results[r] = body(c); }
            catch (Exception e) { failures[r] = e; _barrier.RemoveParticipant(); }
        })).ToArray();
        foreach (var t in threads) t.Start();
        foreach (var t in threads) t.Join();
        if (failures.FirstOrDefault(f => f is not null) is { } failure) throw new AggregateException(failure);
        return results;
    }

    private sealed class Member(InProcessGroup group, int rank) : ICollective
    {
        public int Rank => rank;

        public int Size => group._slots.Length;

        public void AllReduceSum(Span<float> data)
        {
            group._slots[rank] = data.ToArray();
            group._barrier.SignalAndWait();
            using (var scope = NewDisposeScope())
            {
                var sum = stack(group._slots.Select(s => tensor(s)).ToArray()).sum(dim: 0);
                sum.data<float>().ToArray().CopyTo(data);
            }
            group._barrier.SignalAndWait(); // nobody overwrites a slot before everyone has read it
        }

        public void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> shard)
        {
            CollectiveChecks.Separate(data, shard, Size, nameof(data), nameof(shard));
            group._slots[rank] = data.ToArray();
            group._barrier.SignalAndWait();
            for (int i = 0; i < shard.Length; i++)
            {
                float sum = 0;
                foreach (float[] slot in group._slots) sum += slot[rank * shard.Length + i]; // rank order, as the all-reduce
                shard[i] = sum;
            }
            group._barrier.SignalAndWait();
        }

        public void AllGather(ReadOnlySpan<float> shard, Span<float> data)
        {
            CollectiveChecks.Separate(data, shard, Size, nameof(data), nameof(shard));
            Gather(group._slots, shard, data);
        }

        public void AllGather(ReadOnlySpan<ushort> shard, Span<ushort> data)
        {
            CollectiveChecks.Separate(data, shard, Size, nameof(data), nameof(shard));
            Gather(group._slots16, shard, data);
        }

        // Every rank posts its block, then reads all of them in rank order.
        private void Gather<T>(T[][] slots, ReadOnlySpan<T> shard, Span<T> data)
        {
            slots[rank] = shard.ToArray();
            group._barrier.SignalAndWait();
            for (int r = 0; r < slots.Length; r++) slots[r].CopyTo(data.Slice(r * shard.Length, shard.Length));
            group._barrier.SignalAndWait();
        }

        public void Broadcast(Span<float> data, int root)
        {
            if (rank == root) group._slots[root] = data.ToArray();
            group._barrier.SignalAndWait();
            group._slots[root].CopyTo(data);
            group._barrier.SignalAndWait();
        }

        public void Barrier() => group._barrier.SignalAndWait();

        public void Dispose() { }
    }
}
