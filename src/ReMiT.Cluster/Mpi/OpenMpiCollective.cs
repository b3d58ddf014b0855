using ReMiT.Training.Distributed;

namespace ReMiT.Cluster.Mpi;

/// <summary>
/// <see cref="ICollective"/> over Open MPI's MPI_COMM_WORLD, for processes started by
/// <c>mpirun</c>. Initialises MPI (MPI_THREAD_SERIALIZED: learner code runs on pool threads) unless
/// someone already did, and finalises it on dispose if it initialised it. Calls are serialised
/// with a lock. All-reduces and broadcasts go over in pieces of <see cref="TransferPieceElements"/> floats (16 MiB); a
/// reduce-scatter or all-gather is one call, refused past <see cref="PieceElements"/> floats (1 GiB, so no call's byte
/// count nears the 2^31 that some MPI transports still treat as a signed int), since its caller must choose the buckets
/// (which elements a rank owns depends on them).
/// </summary>
public sealed unsafe class OpenMpiCollective : ICollective
{
    internal const int PieceElements = 1 << 28;

    /// <summary>
    /// All-reduce and broadcast piece: 2^22 floats (16 MiB). Open MPI 4.1.4 on 2 ranks falls off a cliff between 24
    /// and 32 MiB per call on our 2-core machine: an in-place all-reduce of a 256 MiB buffer took 745 ms whole and
    /// 42 ms in 16 MiB pieces (bench/mpi/chunked.c; MPICH 4.0.2 shows the same cliff). Where there is no cliff, a
    /// piece's ~2.5 ms transfer dwarfs MPI's per-call latency, so the pieces cost nothing measurable.
    /// </summary>
    internal const int TransferPieceElements = 1 << 22;

    private readonly MpiNative _mpi;
    private readonly bool _initialisedHere;
    private readonly Lock _gate = new();
    private bool _disposed;

    public OpenMpiCollective()
    {
        _mpi = MpiNative.Load();
        if (!_mpi.Initialized())
        {
            int provided = _mpi.InitThread(MpiNative.ThreadSerialized);
            _initialisedHere = true;
            if (provided < MpiNative.ThreadSerialized)
                throw new InvalidOperationException(
                    $"Open MPI provides thread level {provided}, but MPI_THREAD_SERIALIZED ({MpiNative.ThreadSerialized}) is needed: collectives may run on any thread.");
        }
        _mpi.ReturnErrors();
        Rank = _mpi.CommRank();
        Size = _mpi.CommSize();
    }

    public int Rank { get; }

    public int Size { get; }

    public void AllReduceSum(Span<float> data)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            fixed (float* first = data)
                for (int at = 0; at < data.Length; at += TransferPieceElements)
                    _mpi.AllReduceSumInPlace(first + at, Math.Min(TransferPieceElements, data.Length - at));
        }
    }

    /// <summary>
    /// One MPI_Reduce_scatter_block. Unlike an all-reduce it cannot be cut into pieces without changing which
    /// elements a rank receives, so the whole call must stay within <see cref="PieceElements"/> floats: callers
    /// with bigger buffers cut them into buckets of several blocks (ZeRO-1's ShardLayout does).
    /// </summary>
    public void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> shard)
    {
        CollectiveChecks.Separate(data, shard, Size, nameof(data), nameof(shard));
        OneCall(data, shard, (full, block, n) => _mpi.ReduceScatterSum((float*)full, (float*)block, n));
    }

    /// <summary>One MPI_Allgather; like <see cref="ReduceScatterSum"/> the whole call stays within <see cref="PieceElements"/> floats.</summary>
    public void AllGather(ReadOnlySpan<float> shard, Span<float> data)
    {
        CollectiveChecks.Separate(data, shard, Size, nameof(data), nameof(shard));
        OneCall(data, shard, (full, block, n) => _mpi.AllGather((float*)block, (float*)full, n));
    }

    /// <summary>One MPI_Allgather of MPI_UINT16_T (bfloat16 bits), within <see cref="PieceElements"/> values like the float one.</summary>
    public void AllGather(ReadOnlySpan<ushort> shard, Span<ushort> data)
    {
        CollectiveChecks.Separate(data, shard, Size, nameof(data), nameof(shard));
        OneCall(data, shard, (full, block, n) => _mpi.AllGather16((ushort*)block, (ushort*)full, n));
    }

    // A reduce-scatter or all-gather as one MPI call between the whole buffer and this rank's block (checked by the
    // caller): within one call's limit, under the lock, both spans pinned for the call.
    private void OneCall<T>(ReadOnlySpan<T> full, ReadOnlySpan<T> block, Action<nint, nint, int> call) where T : unmanaged
    {
        WithinOneCall(full.Length, "data");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            fixed (T* f = full)
            fixed (T* b = block)
                call((nint)f, (nint)b, block.Length);
        }
    }

    public void Broadcast(Span<float> data, int root)
    {
        if (root < 0 || root >= Size)
            throw new ArgumentOutOfRangeException(nameof(root), root, $"root must be a rank in [0, {Size}).");
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            fixed (float* first = data)
                for (int at = 0; at < data.Length; at += TransferPieceElements)
                    _mpi.Broadcast(first + at, Math.Min(TransferPieceElements, data.Length - at), root);
        }
    }

    private static void WithinOneCall(int length, string name)
    {
        if (length > PieceElements)
            throw new ArgumentException(
                $"{name} holds {length} floats, over the {PieceElements} one reduce-scatter or all-gather moves; cut the buffer into buckets of at most that many (ShardLayout does).", name);
    }

    public void Barrier()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _mpi.Barrier();
        }
    }

    /// <summary>
    /// Ends every rank of the job now (MPI_Abort). For a failure on one rank: its peers would wait
    /// forever in their next collective, and its own MPI_Finalize would wait for them. Takes no lock:
    /// the failing thread may hold it.
    /// </summary>
    public void Abort(int errorCode) => _mpi.Abort(errorCode);

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            if (_initialisedHere && !_mpi.Finalized()) _mpi.FinalizeMpi();
        }
    }
}
