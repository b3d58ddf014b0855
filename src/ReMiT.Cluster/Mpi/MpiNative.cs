using System.Runtime.InteropServices;

namespace ReMiT.Cluster.Mpi;

/// <summary>
/// The calls of Open MPI's C API we need, bound at run time from <c>libmpi.so.40</c> (MPI.NET
/// is not on our package mirror, and this is all of it). Open MPI's handles are not integers but the
/// addresses of exported globals: MPI_COMM_WORLD is <c>&amp;ompi_mpi_comm_world</c>, MPI_FLOAT
/// <c>&amp;ompi_mpi_float</c>, MPI_SUM <c>&amp;ompi_mpi_op_sum</c>; MPI_IN_PLACE is <c>(void*)1</c>.
/// Every nonzero return code becomes an exception naming the call.
/// </summary>
internal sealed unsafe class MpiNative
{
    public const string LibraryName = "libmpi.so.40";

    /// <summary>MPI_THREAD_SERIALIZED in Open MPI's mpi.h: any thread may call, one at a time.</summary>
    public const int ThreadSerialized = 2;

    private const int MaxErrorString = 256;                 // MPI_MAX_ERROR_STRING
    private static readonly void* InPlace = (void*)1;       // MPI_IN_PLACE

    private readonly delegate* unmanaged<int*, int> _initialized;
    private readonly delegate* unmanaged<int*, int> _finalized;
    private readonly delegate* unmanaged<int*, byte***, int, int*, int> _initThread;
    private readonly delegate* unmanaged<int> _finalize;
    private readonly delegate* unmanaged<nint, int, int> _abort;
    private readonly delegate* unmanaged<nint, nint, int> _commSetErrhandler;
    private readonly delegate* unmanaged<nint, int*, int> _commRank;
    private readonly delegate* unmanaged<nint, int*, int> _commSize;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _allreduce;
    private readonly delegate* unmanaged<void*, void*, int, nint, nint, nint, int> _reduceScatterBlock;
    private readonly delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int> _allgather;
    private readonly delegate* unmanaged<void*, int, nint, int, nint, int> _bcast;
    private readonly delegate* unmanaged<nint, int> _barrier;
    private readonly delegate* unmanaged<int, byte*, int*, int> _errorString;
    private readonly nint _commWorld, _float, _uint16, _opSum, _errorsReturn;

    private MpiNative(nint lib)
    {
        _initialized = (delegate* unmanaged<int*, int>)Export(lib, "MPI_Initialized");
        _finalized = (delegate* unmanaged<int*, int>)Export(lib, "MPI_Finalized");
        _initThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Export(lib, "MPI_Init_thread");
        _finalize = (delegate* unmanaged<int>)Export(lib, "MPI_Finalize");
        _abort = (delegate* unmanaged<nint, int, int>)Export(lib, "MPI_Abort");
        _commSetErrhandler = (delegate* unmanaged<nint, nint, int>)Export(lib, "MPI_Comm_set_errhandler");
        _commRank = (delegate* unmanaged<nint, int*, int>)Export(lib, "MPI_Comm_rank");
        _commSize = (delegate* unmanaged<nint, int*, int>)Export(lib, "MPI_Comm_size");
        _allreduce = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(lib, "MPI_Allreduce");
        _reduceScatterBlock = (delegate* unmanaged<void*, void*, int, nint, nint, nint, int>)Export(lib, "MPI_Reduce_scatter_block");
        _allgather = (delegate* unmanaged<void*, int, nint, void*, int, nint, nint, int>)Export(lib, "MPI_Allgather");
        _bcast = (delegate* unmanaged<void*, int, nint, int, nint, int>)Export(lib, "MPI_Bcast");
        _barrier = (delegate* unmanaged<nint, int>)Export(lib, "MPI_Barrier");
        _errorString = (delegate* unmanaged<int, byte*, int*, int>)Export(lib, "MPI_Error_string");
        _commWorld = Export(lib, "ompi_mpi_comm_world");
        _float = Export(lib, "ompi_mpi_float");
        _uint16 = Export(lib, "ompi_mpi_uint16_t");
        _opSum = Export(lib, "ompi_mpi_op_sum");
        _errorsReturn = Export(lib, "ompi_mpi_errors_return");
    }

    /// <summary>Loads libmpi.so.40 (tests pass another name); a missing library says what to install.</summary>
    public static MpiNative Load(string library = LibraryName)
    {
        nint lib;
        try
        {
            lib = NativeLibrary.Load(library);
        }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException(
                $"{library} (Open MPI 4's C library) could not be loaded: {e.Message} Install openmpi-bin (Debian/Ubuntu: apt-get install openmpi-bin).", e);
        }
        return new MpiNative(lib);
    }

    public bool Initialized()
    {
        int flag;
        Check(_initialized(&flag), "MPI_Initialized");
        return flag != 0;
    }

    public bool Finalized()
    {
        int flag;
        Check(_finalized(&flag), "MPI_Finalized");
        return flag != 0;
    }

    /// <summary>MPI_Init_thread with no arguments; returns the thread level provided.</summary>
    public int InitThread(int required)
    {
        int provided;
        Check(_initThread(null, null, required, &provided), "MPI_Init_thread");
        return provided;
    }

    public void FinalizeMpi() => Check(_finalize(), "MPI_Finalize");

    /// <summary>MPI_Abort on MPI_COMM_WORLD: Open MPI ends every rank, this one included, and does not return.</summary>
    public void Abort(int errorCode) => Check(_abort(_commWorld, errorCode), "MPI_Abort");

    /// <summary>Errors on MPI_COMM_WORLD come back as return codes (then exceptions) instead of aborting the job.</summary>
    public void ReturnErrors() => Check(_commSetErrhandler(_commWorld, _errorsReturn), "MPI_Comm_set_errhandler");

    public int CommRank()
    {
        int rank;
        Check(_commRank(_commWorld, &rank), "MPI_Comm_rank");
        return rank;
    }

    public int CommSize()
    {
        int size;
        Check(_commSize(_commWorld, &size), "MPI_Comm_size");
        return size;
    }

    public void AllReduceSumInPlace(float* data, int count) =>
        Check(_allreduce(InPlace, data, count, _float, _opSum, _commWorld), "MPI_Allreduce");

    /// <summary>MPI_Reduce_scatter_block: sums Size·<paramref name="blockCount"/> floats over ranks; rank r receives block r.</summary>
    public void ReduceScatterSum(float* data, float* block, int blockCount) =>
        Check(_reduceScatterBlock(data, block, blockCount, _float, _opSum, _commWorld), "MPI_Reduce_scatter_block");

    /// <summary>MPI_Allgather: every rank's <paramref name="blockCount"/> floats, in rank order, into <paramref name="data"/> on every rank.</summary>
    public void AllGather(float* block, float* data, int blockCount) =>
        Check(_allgather(block, blockCount, _float, data, blockCount, _float, _commWorld), "MPI_Allgather");

    /// <summary>MPI_Allgather of MPI_UINT16_T: 16-bit values (bfloat16 bits) moved unchanged.</summary>
    public void AllGather16(ushort* block, ushort* data, int blockCount) =>
        Check(_allgather(block, blockCount, _uint16, data, blockCount, _uint16, _commWorld), "MPI_Allgather");

    public void Broadcast(float* data, int count, int root) =>
        Check(_bcast(data, count, _float, root, _commWorld), "MPI_Bcast");

    public void Barrier() => Check(_barrier(_commWorld), "MPI_Barrier");

    private void Check(int code, string call)
    {
        if (code != 0)
            throw new ExternalException($"{call} failed with MPI error {code}: {Describe(code)}", code);
    }

    private string Describe(int code)
    {
        byte* text = stackalloc byte[MaxErrorString];
        int length;
        return _errorString(code, text, &length) == 0 ? Marshal.PtrToStringUTF8((nint)text, length) : "(no description)";
    }

    private static nint Export(nint lib, string name) =>
        NativeLibrary.TryGetExport(lib, name, out nint address)
            ? address
            : throw new EntryPointNotFoundException($"{LibraryName} has no export '{name}'; Open MPI 4.x is required (openmpi-bin on Debian 12 is 4.1.4).");
}
