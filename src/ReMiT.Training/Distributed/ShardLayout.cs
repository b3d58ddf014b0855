namespace ReMiT.Training.Distributed;

/// <summary>
/// How ZeRO-1 cuts a flat buffer of <see cref="Length"/> elements over <see cref="Ranks"/> ranks. The buffer is
/// padded to <see cref="PaddedLength"/> and cut into buckets; a bucket is one reduce-scatter or all-gather of
/// <see cref="Ranks"/> equal blocks, and rank r owns block r of every bucket. A bucket holds at most
/// <c>maxBucketElements</c> (one MPI call moves under 2^31 bytes, <see cref="DataParallel.PieceElements"/>), so a
/// model below that size has one bucket and rank r owns the contiguous range [r·S, (r+1)·S), S = ⌈Length / Ranks⌉.
/// Only the last bucket is padded, by fewer than <see cref="Ranks"/> elements; padding is zero in every buffer and
/// never reaches the model. Saved state never depends on this layout (checkpoints hold the unpadded full buffer),
/// so a run can resume on another rank count.
/// </summary>
internal sealed class ShardLayout
{
    private readonly (long Start, long Block, long ShardOffset)[] _buckets;

    /// <param name="length">Elements of the flat buffer (≥ 1).</param>
    /// <param name="ranks">Ranks sharing it (≥ 1).</param>
    /// <param name="maxBucketElements">Most elements one collective call moves; a bucket is never cut below one element per rank.</param>
    public ShardLayout(long length, int ranks, long maxBucketElements = DataParallel.PieceElements)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ranks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBucketElements);
        Length = length;
        Ranks = ranks;
        long fullBlock = Math.Max(1, maxBucketElements / ranks);
        long fullBuckets = length / (fullBlock * ranks);
        long rest = length - fullBuckets * fullBlock * ranks;
        long lastBlock = (rest + ranks - 1) / ranks;        // 0 when the full buckets cover everything
        var buckets = new List<(long, long, long)>();
        for (long b = 0; b < fullBuckets; b++)
            buckets.Add((b * fullBlock * ranks, fullBlock, b * fullBlock));
        if (lastBlock > 0)
            buckets.Add((fullBuckets * fullBlock * ranks, lastBlock, fullBuckets * fullBlock));
        _buckets = [.. buckets];
        PaddedLength = fullBuckets * fullBlock * ranks + lastBlock * ranks;
        ShardLength = fullBuckets * fullBlock + lastBlock;
    }

    /// <summary>Real elements of the flat buffer.</summary>
    public long Length { get; }

    public int Ranks { get; }

    /// <summary>Length rounded up so every bucket splits into equal blocks: the size of the full flat buffers a rank still holds.</summary>
    public long PaddedLength { get; }

    /// <summary>Elements each rank owns (its padding included): the size of its master, moment and gradient shards.</summary>
    public long ShardLength { get; }

    /// <summary>The buckets in order: where each starts in the padded flat buffer, its block (per rank), and where that block sits in a shard.</summary>
    public IReadOnlyList<(long Start, long Block, long ShardOffset)> Buckets => _buckets;

    /// <summary>
    /// The real (unpadded) elements <paramref name="rank"/> owns: runs of <c>Count</c> elements at <c>Flat</c> in the
    /// flat buffer and at <c>Shard</c> in the rank's shard, in order.
    /// </summary>
    public IEnumerable<(long Flat, long Shard, long Count)> Segments(int rank) => Owned(rank, 0, Length);

    /// <summary>The part of the flat range [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) that <paramref name="rank"/> owns, as <see cref="Segments"/> gives it.</summary>
    public IEnumerable<(long Flat, long Shard, long Count)> Owned(int rank, long start, long count)
    {
        if (rank < 0 || rank >= Ranks)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {Ranks}).");
        return OwnedRuns(rank, start, Math.Min(start + count, Length));
    }

    private IEnumerable<(long Flat, long Shard, long Count)> OwnedRuns(int rank, long start, long end)
    {
        foreach (var (bucketStart, block, shardOffset) in _buckets)
        {
            long from = Math.Max(bucketStart + rank * block, start);
            long to = Math.Min(bucketStart + (rank + 1) * block, end);
            if (to > from) yield return (from, shardOffset + from - (bucketStart + rank * block), to - from);
        }
    }
}
