using System.Runtime.InteropServices;

namespace ReMiT.Bench.MpiNet;

/// <summary>
/// The same calls through MPI.NET's P/Invoke layer, <see cref="MPI.Unsafe"/>: the C API with
/// <c>IntPtr</c> buffers and int handles, so spans over native memory and MPI_IN_PLACE work. MPI.NET
/// defines no MPI_IN_PLACE constant; MS-MPI and MPICH both define it as (void*)-1.
/// </summary>
internal static class RawCases
{
    private static readonly nint InPlace = -1;

    public static IReadOnlyList<BenchCase> Create(CollectiveBuffers b)
    {
        nint full = Address(b.Full), fullOut = Address(b.FullOut), shard = Address(b.Shard);
        return
        [
            new(CollectiveKind.AllReduceInPlace, "in-place", () =>
                Check(MPI.Unsafe.MPI_Allreduce(InPlace, full, b.Length, MPI.Unsafe.MPI_FLOAT, MPI.Unsafe.MPI_SUM, MPI.Unsafe.MPI_COMM_WORLD), "MPI_Allreduce")),
            new(CollectiveKind.AllReduce, "out-of-place", () =>
                Check(MPI.Unsafe.MPI_Allreduce(full, fullOut, b.Length, MPI.Unsafe.MPI_FLOAT, MPI.Unsafe.MPI_SUM, MPI.Unsafe.MPI_COMM_WORLD), "MPI_Allreduce")),
            new(CollectiveKind.ReduceScatter, "out-of-place", () =>
                Check(MPI.Unsafe.MPI_Reduce_scatter(full, shard, b.Counts, MPI.Unsafe.MPI_FLOAT, MPI.Unsafe.MPI_SUM, MPI.Unsafe.MPI_COMM_WORLD), "MPI_Reduce_scatter")),
            new(CollectiveKind.AllGather, "out-of-place", () =>
                Check(MPI.Unsafe.MPI_Allgatherv(shard, b.ShardLength, MPI.Unsafe.MPI_FLOAT, fullOut, b.Counts, b.Displacements, MPI.Unsafe.MPI_FLOAT, MPI.Unsafe.MPI_COMM_WORLD), "MPI_Allgatherv")),
        ];
    }

    // The arrays come from the pinned object heap (CollectiveBuffers), so their addresses stay put.
    private static nint Address(float[] pinned) => Marshal.UnsafeAddrOfPinnedArrayElement(pinned, 0);

    private static void Check(int code, string call)
    {
        if (code != MPI.Unsafe.MPI_SUCCESS)
            throw new ExternalException($"{call} failed with MPI error {code}", code);
    }
}
