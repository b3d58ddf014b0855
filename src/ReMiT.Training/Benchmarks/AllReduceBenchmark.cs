using System.Diagnostics;
using ReMiT.Training.Distributed;

namespace ReMiT.Training.Benchmarks;

/// <summary>One all-reduce benchmark, identical on every rank (times are averaged over ranks).</summary>
/// <param name="AlgBandwidth">Bytes / time per all-reduce, in GB/s (10^9).</param>
/// <param name="BusBandwidth">AlgBandwidth · 2(N−1)/N: what each link carries in a ring all-reduce, comparable across N (nccl-tests' busbw).</param>
/// <param name="RanksFailingCheck">Ranks whose sum, broadcast, reduce-scatter or all-gather came out wrong (0 when all agree).</param>
/// <param name="ShardedSecondsPerIteration">One reduce-scatter plus one all-gather of the same buffer (ZeRO-1's pair in place of
/// the all-reduce), per iteration.</param>
/// <param name="ShardedBusBandwidth">Bytes · 2(N−1)/N over <paramref name="ShardedSecondsPerIteration"/>, in GB/s: the same bus
/// traffic as an all-reduce, so the two bus bandwidths compare directly.</param>
public sealed record AllReduceBenchmarkResult(
    int Ranks, long Bytes, int Iterations, double SecondsPerIteration, double AlgBandwidth, double BusBandwidth, int RanksFailingCheck,
    double ShardedSecondsPerIteration, double ShardedBusBandwidth);

/// <summary>
/// Times in-place float32 all-reduces of one buffer through an <see cref="ICollective"/>, and reduce-scatter plus
/// all-gather pairs of the same buffer, after checking that a sum, a broadcast, a reduce-scatter and an all-gather
/// give the exact expected values on every rank.
/// </summary>
public static class AllReduceBenchmark
{
    public static AllReduceBenchmarkResult Run(ICollective collective, long bytes, int iterations, int warmup = 2)
    {
        ArgumentNullException.ThrowIfNull(collective);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iterations);
        if (bytes < sizeof(float) || bytes % sizeof(float) != 0 || bytes / sizeof(float) > Array.MaxLength)
            throw new ArgumentOutOfRangeException(nameof(bytes), bytes, $"the buffer must be a whole number of float32s, 4 B to {4L * Array.MaxLength} B.");
        var buffer = GC.AllocateUninitializedArray<float>((int)(bytes / sizeof(float)), pinned: true);
        int failing = Check(collective, buffer);

        buffer.AsSpan().Clear();
        for (int i = 0; i < warmup; i++) collective.AllReduceSum(buffer);
        collective.Barrier();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++) collective.AllReduceSum(buffer);
        double allReduceSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;

        int n = collective.Size;
        var full = buffer.AsSpan(0, buffer.Length / n * n);
        var shard = GC.AllocateUninitializedArray<float>(full.Length / n, pinned: true);
        for (int i = 0; i < warmup; i++) { collective.ReduceScatterSum(full, shard); collective.AllGather(shard, full); }
        collective.Barrier();
        start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++) { collective.ReduceScatterSum(full, shard); collective.AllGather(shard, full); }
        Span<float> seconds = [(float)allReduceSeconds, (float)Stopwatch.GetElapsedTime(start).TotalSeconds];
        collective.AllReduceSum(seconds);

        double perIteration = seconds[0] / n / iterations, shardedPerIteration = seconds[1] / n / iterations;
        double algBandwidth = bytes / perIteration / 1e9;
        double shardedBusBandwidth = 4.0 * full.Length / shardedPerIteration / 1e9 * 2 * (n - 1) / n;
        return new AllReduceBenchmarkResult(n, bytes, iterations, perIteration, algBandwidth, algBandwidth * 2 * (n - 1) / n, failing,
                                            shardedPerIteration, shardedBusBandwidth);
    }

    // Every rank contributes rank + 1, so each element must sum to N(N+1)/2 exactly (small integers
    // are exact in float32); then the last rank broadcasts its id. Returns how many ranks saw otherwise.
    private static int Check(ICollective collective, float[] buffer)
    {
        int n = collective.Size, root = n - 1;
        buffer.AsSpan().Fill(collective.Rank + 1);
        collective.AllReduceSum(buffer);
        bool wrong = buffer.AsSpan().IndexOfAnyExcept(n * (n + 1) / 2f) >= 0;
        buffer.AsSpan().Fill(collective.Rank == root ? root : -1);
        collective.Broadcast(buffer, root);
        wrong |= buffer.AsSpan().IndexOfAnyExcept((float)root) >= 0;

        // Reduce-scatter: rank r puts (r + 1)·(b + 1) in block b, so block b sums to (b + 1)·N(N+1)/2 and rank r
        // must receive (r + 1)·N(N+1)/2. All-gather: rank r sends r, so block b must read b everywhere.
        int block = buffer.Length / n;
        var full = buffer.AsSpan(0, block * n);
        var shard = new float[block];
        for (int b = 0; b < n; b++) full.Slice(b * block, block).Fill((collective.Rank + 1f) * (b + 1));
        collective.ReduceScatterSum(full, shard);
        wrong |= shard.AsSpan().IndexOfAnyExcept((collective.Rank + 1f) * n * (n + 1) / 2) >= 0;
        shard.AsSpan().Fill(collective.Rank);
        collective.AllGather(shard, full);
        for (int b = 0; b < n; b++) wrong |= full.Slice(b * block, block).IndexOfAnyExcept((float)b) >= 0;

        Span<float> failing = [wrong ? 1 : 0];
        collective.AllReduceSum(failing);
        return (int)failing[0];
    }
}
