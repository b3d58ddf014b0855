using MPI;

namespace ReMiT.Bench.MpiNet;

/// <summary>
/// The calls through MPI.NET's documented API (<see cref="Intracommunicator"/>), with the output
/// arrays passed by <c>ref</c> so that MPI.NET reuses them (it allocates only when the length
/// differs). That API takes managed arrays only (no spans, no native memory) and has no in-place
/// form: every call reads one array and writes another. The allocating <c>Allreduce(values, op)</c>
/// is timed too, because it is the form MPI.NET's own examples use, and so is what an
/// <c>ICollective.AllReduceSum(Span&lt;float&gt;)</c> over this API would have to do with a span over tensor
/// memory: copy it into a managed array, reduce into another, copy the result back.
/// </summary>
internal static class HighLevelCases
{
    public static IReadOnlyList<BenchCase> Create(Intracommunicator world, CollectiveBuffers b)
    {
        // Operation<float>.Add is a delegate MPI.NET maps to MPI_SUM (Operation.GetPredefinedOperation),
        // so no user-defined MPI_Op (a managed callback per element block) is involved.
        ReductionOperation<float> add = Operation<float>.Add;
        return
        [
            new(CollectiveKind.AllReduceInPlace, "in-place via copies", () =>
            {
                b.Full.CopyTo(b.Staging); // Full stands for the caller's span
                world.Allreduce(b.Staging, add, ref b.FullOut);
                b.FullOut.CopyTo(b.Full);
            }),
            new(CollectiveKind.AllReduce, "out-of-place", () => world.Allreduce(b.Full, add, ref b.FullOut)),
            new(CollectiveKind.AllReduce, "allocating", () => b.FullOut = world.Allreduce(b.Full, add)),
            new(CollectiveKind.ReduceScatter, "out-of-place", () =>
            {
                float[] shard = b.Shard;
                world.ReduceScatter(b.Full, add, b.Counts, ref shard);
            }),
            new(CollectiveKind.AllGather, "out-of-place", () => world.AllgatherFlattened(b.Shard, b.ShardLength, ref b.FullOut)),
        ];
    }
}
