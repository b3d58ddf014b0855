namespace ReMiT.Bench.MpiNet;

/// <summary>
/// The preallocated float32 buffers of one size: <see cref="Full"/> and <see cref="FullOut"/> hold n
/// floats, <see cref="Shard"/> n/N (n = bytes / 4 rounded down to a multiple of N, as in
/// collectives.c). Pinned, so the raw calls can hand out their addresses; MPI.NET's high-level calls
/// pin them again per call, which costs a GCHandle each.
/// </summary>
internal sealed class CollectiveBuffers
{
    public CollectiveBuffers(long bytes, int ranks)
    {
        ShardLength = checked((int)(bytes / sizeof(float) / ranks));
        Length = checked(ShardLength * ranks);
        Full = GC.AllocateArray<float>(Length, pinned: true);
        FullOut = GC.AllocateArray<float>(Length, pinned: true);
        Shard = GC.AllocateArray<float>(ShardLength, pinned: true);
        Staging = GC.AllocateArray<float>(Length, pinned: true);
        Counts = Enumerable.Repeat(ShardLength, ranks).ToArray();
        Displacements = Enumerable.Range(0, ranks).Select(r => r * ShardLength).ToArray();
    }

    /// <summary>n, the number of floats of the full buffer.</summary>
    public int Length { get; }

    /// <summary>n / N, one rank's share.</summary>
    public int ShardLength { get; }

    public float[] Full { get; }

    /// <summary>Replaced (not written into) by MPI.NET's allocating Allreduce, so it is a field.</summary>
    public float[] FullOut;

    public float[] Shard { get; }

    /// <summary>n floats for the high-level API's in-place stand-in: copy in, reduce, copy back.</summary>
    public float[] Staging { get; }

    /// <summary>n/N for every rank: the recvcounts of MPI_Reduce_scatter and MPI_Allgatherv.</summary>
    public int[] Counts { get; }

    /// <summary>r · n/N: the displacements of MPI_Allgatherv.</summary>
    public int[] Displacements { get; }

    public long Bytes => (long)Length * sizeof(float);

    public float[] Input(CollectiveKind kind) => kind == CollectiveKind.AllGather ? Shard : Full;

    public float[] Output(CollectiveKind kind) => kind switch
    {
        CollectiveKind.AllReduceInPlace => Full,
        CollectiveKind.ReduceScatter => Shard,
        _ => FullOut,
    };
}
