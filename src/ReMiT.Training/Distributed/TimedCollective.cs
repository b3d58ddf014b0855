using System.Diagnostics;

namespace ReMiT.Training.Distributed;

/// <summary>
/// Wraps a collective and reports the wall time of each all-reduce, reduce-scatter and all-gather, so the
/// cluster layer can feed its Prometheus histograms without Training knowing about metrics.
/// </summary>
/// <param name="inner">The collective doing the work; disposed with this one.</param>
/// <param name="onAllReduceSeconds">Called after every <see cref="AllReduceSum"/> with its duration in seconds.</param>
/// <param name="onReduceScatterSeconds">Called after every <see cref="ReduceScatterSum"/> (ZeRO-1's gradient sync); null: not reported.</param>
/// <param name="onAllGatherSeconds">Called after every <see cref="AllGather"/> (ZeRO-1's parameter sync); null: not reported.</param>
public sealed class TimedCollective(ICollective inner, Action<double> onAllReduceSeconds,
                                    Action<double>? onReduceScatterSeconds = null, Action<double>? onAllGatherSeconds = null) : ICollective
{
    public int Rank => inner.Rank;

    public int Size => inner.Size;

    public void AllReduceSum(Span<float> data)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllReduceSum(data);
        onAllReduceSeconds(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    public void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> shard)
    {
        long start = Stopwatch.GetTimestamp();
        inner.ReduceScatterSum(data, shard);
        onReduceScatterSeconds?.Invoke(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    public void AllGather(ReadOnlySpan<float> shard, Span<float> data)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllGather(shard, data);
        onAllGatherSeconds?.Invoke(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    public void AllGather(ReadOnlySpan<ushort> shard, Span<ushort> data)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllGather(shard, data);
        onAllGatherSeconds?.Invoke(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    public void Broadcast(Span<float> data, int root) => inner.Broadcast(data, root);

    public void Barrier() => inner.Barrier();

    public void Abort(int errorCode) => inner.Abort(errorCode);

    public void Dispose() => inner.Dispose();
}
