using System.Reflection;
using System.Runtime.InteropServices;

namespace ReMiT.Bench.MpiNet;

/// <summary>
/// Sends MPI.NET's P/Invokes to MPICH. MPI.NET 1.4.0 on NuGet is compiled for MS-MPI: every import
/// names <c>msmpi.dll</c> and its handles are MS-MPI's integer constants. MPICH uses the same values
/// (mpi.h of MPICH 4.0.2: MPI_COMM_WORLD 0x44000000, MPI_FLOAT 0x4c00040a, MPI_SUM 0x58000003,
/// MPI_THREAD_SERIALIZED 2, MPI_IN_PLACE (void*)-1, a five-int MPI_Status), because MS-MPI descends from
/// it, so the imports can be bound to <c>libmpich.so.12</c>. Open MPI cannot stand in: its handles are
/// addresses of exported globals, not integers.
/// </summary>
internal static class MpichLibrary
{
    public const string MsMpiName = "msmpi.dll";
    public const string LibraryName = "libmpich.so.12";

    /// <summary>Installs the resolver; call before the first MPI.NET call.</summary>
    public static void Use() => NativeLibrary.SetDllImportResolver(typeof(MPI.Unsafe).Assembly, Resolve);

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != MsMpiName) return 0; // the runtime's own search
        try
        {
            return NativeLibrary.Load(LibraryName);
        }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException(
                $"MPI.NET asks for {MsMpiName}, mapped to {LibraryName}, which could not be loaded: {e.Message} Install MPICH (Debian: apt-get install mpich).", e);
        }
    }
}
