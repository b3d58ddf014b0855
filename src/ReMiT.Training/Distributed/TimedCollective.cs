using System.Diagnostics;

namespace ReMiT.Training.Distributed;

/// <summary>
/// Wraps a collective and reports the wall time of each all-reduce, so the cluster layer can feed
/// its Prometheus histogram without Training knowing about metrics.
/// </summary>
/// <param name="inner">The collective doing the work; disposed with this one.</param>
/// <param name="onAllReduceSeconds">Called after every <see cref="AllReduceSum"/> with its duration in seconds.</param>
public sealed class TimedCollective(ICollective inner, Action<double> onAllReduceSeconds) : ICollective
{
    public int Rank => inner.Rank;

    public int Size => inner.Size;

    public void AllReduceSum(Span<float> data)
    {
        long start = Stopwatch.GetTimestamp();
        inner.AllReduceSum(data);
        onAllReduceSeconds(Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    public void Broadcast(Span<float> data, int root) => inner.Broadcast(data, root);

    public void Barrier() => inner.Barrier();

    public void Abort(int errorCode) => inner.Abort(errorCode);

    public void Dispose() => inner.Dispose();
}
