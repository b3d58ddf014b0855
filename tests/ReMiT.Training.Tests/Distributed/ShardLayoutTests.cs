using ReMiT.Training.Distributed;

namespace ReMiT.Training.Tests.Distributed;

/// <summary>ZeRO-1's cut of the flat buffer; every expected number is worked out by hand in the comment beside it.</summary>
public sealed class ShardLayoutTests
{
    [Fact]
    public void Constructor_EvenSplitOneBucket_ContiguousQuarters()
    {
        // 12 over 4: S = 3, no padding; rank r owns [3r, 3r + 3).
        var layout = new ShardLayout(12, 4);
        Assert.Equal((12L, 3L), (layout.PaddedLength, layout.ShardLength));
        Assert.Equal([(0L, 3L, 0L)], layout.Buckets);
        Assert.Equal([(6L, 0L, 3L)], layout.Segments(2));
    }

    [Fact]
    public void Constructor_UnevenSplit_PadsTheLastRankOnly()
    {
        // 10 over 4: S = ⌈10/4⌉ = 3, padded 12; rank 3 owns [9, 12) of which only 9 is real.
        var layout = new ShardLayout(10, 4);
        Assert.Equal((12L, 3L), (layout.PaddedLength, layout.ShardLength));
        Assert.Equal([(0L, 0L, 3L)], layout.Segments(0));
        Assert.Equal([(9L, 0L, 1L)], layout.Segments(3));
    }

    [Fact]
    public void Constructor_FewerElementsThanRanks_LastRankHoldsOnlyPadding()
    {
        // 3 over 4: S = 1, padded 4; rank 3's one element is padding.
        var layout = new ShardLayout(3, 4);
        Assert.Equal((4L, 1L), (layout.PaddedLength, layout.ShardLength));
        Assert.Empty(layout.Segments(3));
    }

    [Fact]
    public void Constructor_SmallBuckets_RankOwnsOneBlockPerBucket()
    {
        // 7 over 2, buckets of at most 4: block 2 ⇒ one full bucket [0, 4), rest 3 ⇒ last block ⌈3/2⌉ = 2, bucket [4, 8).
        // Padded 8, shard 2 + 2 = 4. Rank 0: [0,2) → shard 0, [4,6) → shard 2. Rank 1: [2,4) → 0, [6,7) → 2 (7 is padding).
        var layout = new ShardLayout(7, 2, maxBucketElements: 4);
        Assert.Equal((8L, 4L), (layout.PaddedLength, layout.ShardLength));
        Assert.Equal([(0L, 2L, 0L), (4L, 2L, 2L)], layout.Buckets);
        Assert.Equal([(0L, 0L, 2L), (4L, 2L, 2L)], layout.Segments(0));
        Assert.Equal([(2L, 0L, 2L), (6L, 2L, 1L)], layout.Segments(1));
    }

    [Fact]
    public void Constructor_BucketSmallerThanRanks_OneElementPerRankPerBucket()
    {
        // 10 over 3, buckets of at most 2: block max(1, 2/3) = 1 ⇒ 3 full buckets of 3, rest 1 ⇒ last block 1.
        // Padded 12, shard 4; rank 1 owns 1, 4, 7 (and 10, padding) at shard offsets 0, 1, 2.
        var layout = new ShardLayout(10, 3, maxBucketElements: 2);
        Assert.Equal((12L, 4L), (layout.PaddedLength, layout.ShardLength));
        Assert.Equal([(1L, 0L, 1L), (4L, 1L, 1L), (7L, 2L, 1L)], layout.Segments(1));
        Assert.Equal([(0L, 0L, 1L), (3L, 1L, 1L), (6L, 2L, 1L), (9L, 3L, 1L)], layout.Segments(0));
    }

    [Fact]
    public void Owned_ParameterAcrossTwoShards_SplitsAtTheBoundary()
    {
        // 10 over 2: S = 5. A parameter at [3, 8): rank 0 owns [3, 5) at shard 3, rank 1 owns [5, 8) at shard 0.
        var layout = new ShardLayout(10, 2);
        Assert.Equal([(3L, 3L, 2L)], layout.Owned(0, 3, 5));
        Assert.Equal([(5L, 0L, 3L)], layout.Owned(1, 3, 5));
    }

    [Fact]
    public void Segments_EveryRankTogether_CoverEachRealElementOnce()
    {
        var layout = new ShardLayout(1001, 3, maxBucketElements: 64);
        var covered = new int[1001];
        for (int r = 0; r < 3; r++)
            foreach (var (flat, shard, count) in layout.Segments(r))
            {
                Assert.InRange(shard + count, 1, layout.ShardLength);
                for (long i = flat; i < flat + count; i++) covered[i]++;
            }
        Assert.All(covered, c => Assert.Equal(1, c));
        Assert.Equal(3 * layout.ShardLength, layout.PaddedLength);
        Assert.Equal(334, layout.ShardLength); // ⌈1001 / 3⌉
    }

    [Fact]
    public void Owned_RankOutOfRange_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ShardLayout(10, 2).Owned(2, 0, 10));
}
