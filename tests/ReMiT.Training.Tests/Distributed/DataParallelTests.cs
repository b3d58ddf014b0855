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
}
