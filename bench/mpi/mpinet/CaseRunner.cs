using System.Diagnostics;
using System.Globalization;
using MPI;

namespace ReMiT.Bench.MpiNet;

/// <summary>
/// Checks, then times, one <see cref="BenchCase"/> exactly as bench/mpi/collectives.c does: exact
/// values first (rank r contributes r + 1 + i mod 5 at element i, small integers that float32 sums
/// exactly; a wrong element on any rank aborts the job), then zeroed buffers, 2 warm-up calls, a
/// barrier and the timed calls; the time is averaged over ranks and rank 0 prints one JSON line
/// with the same fields and bandwidth formulas as the C program.
/// </summary>
internal sealed class CaseRunner(Intracommunicator world, CollectiveBuffers buffers, TextWriter output)
{
    private const int Warmup = 2;

    public void Run(BenchCase c, int iterations)
    {
        Check(c);
        buffers.Input(c.Kind).AsSpan().Clear();
        buffers.Output(c.Kind).AsSpan().Clear();
        for (int i = 0; i < Warmup; i++) c.Call();
        world.Barrier();
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < iterations; i++) c.Call();
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        seconds = world.Allreduce(seconds, Operation<double>.Add);

        int n = world.Size;
        double perIteration = seconds / n / iterations;
        double alg = buffers.Bytes / perIteration / 1e9;
        double bus = alg * (c.Kind is CollectiveKind.ReduceScatter or CollectiveKind.AllGather ? 1.0 : 2.0) * (n - 1) / n;
        if (world.Rank == 0)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"op\":\"{c.Op}\",\"mode\":\"{c.Mode}\",\"ranks\":{n},\"bytes\":{buffers.Bytes},\"iterations\":{iterations},\"seconds_per_iteration\":{perIteration:G6},\"alg_bandwidth\":{alg:G6},\"bus_bandwidth\":{bus:G6}}}"));
            output.Flush();
        }
    }

    private static float Contribution(int rank, long i) => rank + 1 + i % 5;

    private float ExpectedSum(long i) => world.Size * (world.Size + 1) / 2 + world.Size * (i % 5);

    private void Check(BenchCase c)
    {
        int rank = world.Rank, shard = buffers.ShardLength;
        float[] input = buffers.Input(c.Kind);
        for (int i = 0; i < input.Length; i++) input[i] = Contribution(rank, i);
        c.Call();
        float[] result = buffers.Output(c.Kind); // read after the call: the allocating form replaces it
        bool wrong = false;
        for (int i = 0; i < result.Length && !wrong; i++)
        {
            float expected = c.Kind switch
            {
                CollectiveKind.ReduceScatter => ExpectedSum((long)rank * shard + i),
                CollectiveKind.AllGather => Contribution(i / shard, i % shard),
                _ => ExpectedSum(i),
            };
            wrong = result[i] != expected;
        }
        int failing = world.Allreduce(wrong ? 1 : 0, Operation<int>.Add);
        if (failing == 0) return;
        if (rank == 0)
            Console.Error.WriteLine($"mpinet-bench: {c.Op} ({c.Mode}) of {buffers.Bytes} bytes: {failing} of {world.Size} ranks got wrong values; aborting.");
        world.Abort(2);
    }
}
