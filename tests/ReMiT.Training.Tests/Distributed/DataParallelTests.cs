using ReMiT.Training.Data;
using ReMiT.Training.Distributed;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Distributed;

public sealed class DataParallelTests
{
    [Fact]
    public void RowRange_TwoRanks_SplitsIntoContiguousHalves()
    {
        Assert.Equal((0L, 4L), DataParallel.RowRange(8, rank: 0, size: 2));
        Assert.Equal((4L, 4L), DataParallel.RowRange(8, rank: 1, size: 2));
    }

    [Fact]
    public void RowRange_BatchNotDivisible_ThrowsNamingBAndN()
    {
        var e = Assert.Throws<ArgumentException>(() => DataParallel.RowRange(7, rank: 0, size: 2));
        Assert.Contains("B = 7", e.Message);
        Assert.Contains("N = 2", e.Message);
    }

    [Fact]
    public void RowRange_RankOutOfRange_Throws()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => DataParallel.RowRange(8, rank: 2, size: 2));
        Assert.Contains("[0, 2)", e.Message);
    }

    [Fact]
    public void ShardRows_SecondOfTwoRanks_TakesLastRowsAsViews()
    {
        using var batch = new TokenBatch(arange(8L).reshape(4, 2), arange(8L).reshape(4, 2) + 1, ones(4, 2));
        using var shard = DataParallel.ShardRows(batch, rank: 1, size: 2);
        Assert.Equal([4L, 5, 6, 7], shard.Inputs.data<long>().ToArray());
        Assert.Equal([5L, 6, 7, 8], shard.Targets.data<long>().ToArray());
        shard.Mask.zero_();
        Assert.Equal(4f, batch.Mask.sum().item<float>()); // the shard is a view of the last two rows
    }

    [Fact]
    public void SingleProcessCollective_Collectives_LeaveDataUnchanged()
    {
        using var single = new SingleProcessCollective();
        float[] data = [1, 2, 3];
        single.AllReduceSum(data);
        single.Broadcast(data, root: 0);
        single.Barrier();
        Assert.Equal((0, 1), (single.Rank, single.Size));
        Assert.Equal([1f, 2, 3], data);
        Assert.Throws<ArgumentOutOfRangeException>(() => single.Broadcast(data, root: 1));
    }

    [Fact]
    public void AllReduceAverage_ContiguousCpuTensor_AveragesInPlace()
    {
        var group = new InProcessGroup(2);
        var results = group.Run(c =>
        {
            var t = tensor(new float[] { 1, 2, 3 }) + 2 * c.Rank;
            DataParallel.AllReduceAverage(t, c);
            return t.data<float>().ToArray();
        });
        Assert.All(results, r => Assert.Equal([2f, 3, 4], r));
    }

    [Fact]
    public void AllReduceSum_ContiguousView_ChangesOnlyTheView()
    {
        var group = new InProcessGroup(2);
        var results = group.Run(c =>
        {
            var flat = arange(6, dtype: ScalarType.Float32);
            DataParallel.AllReduceSum(flat.narrow(0, 2, 3), c);   // storage offset 2
            return flat.data<float>().ToArray();
        });
        Assert.All(results, r => Assert.Equal([0f, 1, 4, 6, 8, 5], r));
    }

    [Fact]
    public void AllReduceSum_NonContiguousTensor_StagesAndCopiesBack()
    {
        var group = new InProcessGroup(2);
        var results = group.Run(c =>
        {
            var t = arange(6, dtype: ScalarType.Float32).reshape(2, 3).t();   // (3, 2), not contiguous
            DataParallel.AllReduceSum(t, c);
            return t.contiguous().data<float>().ToArray();
        });
        Assert.All(results, r => Assert.Equal([0f, 6, 2, 8, 4, 10], r));
    }

    [Fact]
    public void Broadcast_FromRankOne_OverwritesEveryRank()
    {
        var group = new InProcessGroup(2);
        var results = group.Run(c =>
        {
            var t = full(3, (float)c.Rank + 1);
            DataParallel.Broadcast(t, c, root: 1);
            return t.data<float>().ToArray();
        });
        Assert.All(results, r => Assert.Equal([2f, 2, 2], r));
    }

    [Fact]
    public void AllReduceAverage_Float64Tensor_ThrowsNamingDtype()
    {
        var group = new InProcessGroup(2);
        var e = Assert.Throws<ArgumentException>(() => DataParallel.AllReduceAverage(zeros(3, dtype: ScalarType.Float64), group.Ranks[0]));
        Assert.Contains("Float64", e.Message);
    }

    [Fact]
    public void AllReduceAverage_NullCollective_LeavesDataUnchanged()
    {
        var t = tensor(new float[] { 1, 2, 3 });
        DataParallel.AllReduceAverage(t, collective: null);
        Assert.Equal([1f, 2, 3], t.data<float>().ToArray());
    }

    [Fact]
    public void TimedCollective_AllReduce_ReportsDurationAndDelegates()
    {
        var seconds = new List<double>();
        using var timed = new TimedCollective(new SingleProcessCollective(), seconds.Add);
        timed.AllReduceSum(new float[4]);
        timed.Barrier();
        Assert.Single(seconds);
        Assert.True(seconds[0] >= 0);
        Assert.Equal((0, 1), (timed.Rank, timed.Size));
    }

    [Fact]
    public void TimedCollective_ReduceScatterAndAllGather_ReportEachAndDelegate()
    {
        var allReduce = new List<double>();
        var reduceScatter = new List<double>();
        var allGather = new List<double>();
        using var timed = new TimedCollective(new SingleProcessCollective(), allReduce.Add, reduceScatter.Add, allGather.Add);
        var shard = new float[3];
        timed.ReduceScatterSum(new float[] { 1, 2, 3 }, shard);
        var full = new float[3];
        timed.AllGather(shard, full);
        Assert.Equal([1f, 2, 3], full);
        Assert.Empty(allReduce);
        Assert.Single(reduceScatter);
        Assert.Single(allGather);
    }

    [Fact]
    public void SingleProcess_ReduceScatterWrongShardLength_ThrowsNamingBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => new SingleProcessCollective().ReduceScatterSum(new float[4], new float[3]));
        Assert.Contains("4 floats", e.Message);
        Assert.Contains("3", e.Message);
    }

    [Fact]
    public void Separate_ShardInsideFull_Throws()
    {
        var buffer = new float[4];
        var e = Assert.Throws<ArgumentException>(() => CollectiveChecks.Separate(buffer, buffer.AsSpan(2, 2), 2, "data", "shard"));
        Assert.Contains("separate", e.Message);
    }

    [Fact]
    public void ReduceScatterThenAllGather_ThreeRanksOneBucket_AveragesEachBlockAndRebuildsTheBucket()
    {
        // A bucket of 3 blocks of 2 over 3 ranks; rank r holds (r + 1)·(i + 1) at index i, so the sum at i is 6·(i + 1)
        // and the average 2·(i + 1); rank r owns indices 2r and 2r + 1.
        var group = new InProcessGroup(3);
        var results = group.Run(c =>
        {
            using var scope = NewDisposeScope();
            var bucket = arange(1, 7, dtype: ScalarType.Float32) * (c.Rank + 1);
            var block = zeros(2);
            DataParallel.ReduceScatterAverage(bucket, block, c);
            float[] averaged = block.data<float>().ToArray();
            var gathered = zeros(6);
            DataParallel.AllGather(block, gathered, c);
            return (averaged, gathered.data<float>().ToArray());
        });
        Assert.Equal([2f, 4], results[0].averaged);
        Assert.Equal([6f, 8], results[1].averaged);
        Assert.Equal([10f, 12], results[2].averaged);
        foreach (var (_, gathered) in results)
            Assert.Equal([2f, 4, 6, 8, 10, 12], gathered);
    }

    [Fact]
    public void AllGather_Bfloat16Blocks_MovesTheBitsUnchanged()
    {
        // Values exact in bfloat16 (8 significant bits: 1 + 2^-7 uses the last one; 2^16 is beyond float16's range), so
        // the gathered bits read back as the inputs.
        float[][] blocks = [[1f + 1f / 128, -3.5f], [0.0078125f, 65536f]];
        var results = new InProcessGroup(2).Run(c =>
        {
            using var scope = NewDisposeScope();
            var block = tensor(blocks[c.Rank]).to(ScalarType.BFloat16);
            var gathered = zeros(4, ScalarType.BFloat16);
            DataParallel.AllGather(block, gathered, c);
            return gathered.to(ScalarType.Float32).data<float>().ToArray();
        });
        foreach (float[] gathered in results)
            Assert.Equal([1f + 1f / 128, -3.5f, 0.0078125f, 65536f], gathered);
    }

    [Fact]
    public void AllGather_BucketNotRanksTimesBlock_ThrowsNamingTheShapes()
    {
        var group = new InProcessGroup(2);
        var e = Assert.Throws<AggregateException>(() => group.Run(c =>
        {
            using var scope = NewDisposeScope();
            DataParallel.AllGather(zeros(3), zeros(5), c);
            return 0;
        }));
        Assert.Contains("2 ranks x the block's 3 elements", e.InnerException!.Message);
    }
}
