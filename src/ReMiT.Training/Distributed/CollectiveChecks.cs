namespace ReMiT.Training.Distributed;

/// <summary>
/// Argument checks every <see cref="ICollective"/> makes before a reduce-scatter or all-gather: a length
/// mismatch would make MPI read or write past a buffer, and overlapping buffers are undefined in MPI.
/// </summary>
public static class CollectiveChecks
{
    /// <summary>Throws unless the full buffer holds exactly <paramref name="ranks"/> blocks of the shard's length.</summary>
    public static void Blocks(int fullLength, int shardLength, int ranks, string fullName, string shardName, string unit = "floats")
    {
        if ((long)shardLength * ranks != fullLength)
            throw new ArgumentException(
                $"{fullName} holds {fullLength} {unit}, but {ranks} rank(s) × {shardName}'s {shardLength} = {(long)shardLength * ranks}; " +
                "pad the flat buffer to a multiple of the rank count (ShardLayout does).", fullName);
    }

    /// <summary><see cref="Blocks"/>, and the two buffers must not share memory (MPI forbids aliased send and receive buffers).</summary>
    public static void Separate(ReadOnlySpan<float> full, ReadOnlySpan<float> shard, int ranks, string fullName, string shardName)
    {
        Blocks(full.Length, shard.Length, ranks, fullName, shardName);
        if (full.Overlaps(shard))
            throw new ArgumentException($"{shardName} lies inside {fullName}; MPI needs separate send and receive buffers.", shardName);
    }

    /// <summary><see cref="Separate(ReadOnlySpan{float}, ReadOnlySpan{float}, int, string, string)"/> for 16-bit values.</summary>
    public static void Separate(ReadOnlySpan<ushort> full, ReadOnlySpan<ushort> shard, int ranks, string fullName, string shardName)
    {
        Blocks(full.Length, shard.Length, ranks, fullName, shardName, "16-bit values");
        if (full.Overlaps(shard))
            throw new ArgumentException($"{shardName} lies inside {fullName}; MPI needs separate send and receive buffers.", shardName);
    }
}
