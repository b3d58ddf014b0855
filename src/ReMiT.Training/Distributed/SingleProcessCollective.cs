namespace ReMiT.Training.Distributed;

/// <summary>One rank: every collective is the identity. The default when no MPI launcher started us.</summary>
public sealed class SingleProcessCollective : ICollective
{
    public int Rank => 0;

    public int Size => 1;

    public void AllReduceSum(Span<float> data) { }

    /// <summary>One rank's block is the whole buffer: a copy.</summary>
    public void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> shard)
    {
        CollectiveChecks.Blocks(data.Length, shard.Length, Size, nameof(data), nameof(shard));
        data.CopyTo(shard);
    }

    /// <summary>One rank's shard is the whole buffer: a copy.</summary>
    public void AllGather(ReadOnlySpan<float> shard, Span<float> data)
    {
        CollectiveChecks.Blocks(data.Length, shard.Length, Size, nameof(data), nameof(shard));
        shard.CopyTo(data);
    }

    /// <summary>One rank's shard is the whole buffer: a copy.</summary>
    public void AllGather(ReadOnlySpan<ushort> shard, Span<ushort> data)
    {
        CollectiveChecks.Blocks(data.Length, shard.Length, Size, nameof(data), nameof(shard), "16-bit values");
        shard.CopyTo(data);
    }

    public void Broadcast(Span<float> data, int root)
    {
        if (root != 0)
            throw new ArgumentOutOfRangeException(nameof(root), root, "a single process has only rank 0 to broadcast from.");
    }

    public void Barrier() { }

    public void Dispose() { }
}
