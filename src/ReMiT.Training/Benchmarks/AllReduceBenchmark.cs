using System.Diagnostics;
using ReMiT.Training.Distributed;

namespace ReMiT.Training.Benchmarks;

/// <summary>One all-reduce benchmark, identical on every rank (times are averaged over ranks).</summary>
/// <param name="AlgBandwidth">Bytes / time per all-reduce, in GB/s (10^9).</param>
/// <param name="BusBandwidth">AlgBandwidth · 2(N−1)/N: what each link carries in a ring all-reduce, comparable across N (nccl-tests' busbw).</param>
/// <param name="RanksFailingCheck">Ranks whose sum or broadcast came out wrong (0 when all agree).</param>
public sealed record AllReduceBenchmarkResult(
    int Ranks, long Bytes, int Iterations, double SecondsPerIteration, double AlgBandwidth, double BusBandwidth, int RanksFailingCheck);

/// <summary>
/// Times in-place float32 all-reduces of one buffer through an <see cref="ICollective"/>, after
/// checking that a sum and a broadcast give the exact expected values on every rank.
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
        Span<float> seconds = [(float)Stopwatch.GetElapsedTime(start).TotalSeconds];
        collective.AllReduceSum(seconds);

        int n = collective.Size;
        double perIteration = seconds[0] / n / iterations;
        double algBandwidth = bytes / perIteration / 1e9;
        return new AllReduceBenchmarkResult(n, bytes, iterations, perIteration, algBandwidth, algBandwidth * 2 * (n - 1) / n, failing);
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
        Span<float> failing = [wrong ? 1 : 0];
        collective.AllReduceSum(failing);
        return (int)failing[0];
    }
}
