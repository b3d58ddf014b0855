namespace ReMiT.Training.Distributed;

/// <summary>
/// The collectives data-parallel training (and ZeRO-1's sharded optimizer) needs, over float32 host buffers: Open MPI across
/// processes (<c>OpenMpiCollective</c> in ReMiT.Cluster) or <see cref="SingleProcessCollective"/>.
/// MPI semantics: every rank makes the same calls, in the same order, with the same lengths; a rank
/// that skips one leaves the others waiting forever.
/// </summary>
public interface ICollective : IDisposable
{
    /// <summary>This process's rank, 0 ≤ Rank &lt; Size; rank 0 writes checkpoints and logs.</summary>
    int Rank { get; }

    /// <summary>Number of ranks.</summary>
    int Size { get; }

    /// <summary>Replaces <paramref name="data"/> on every rank by the element-wise sum over all ranks.</summary>
    void AllReduceSum(Span<float> data);

    /// <summary>
    /// Sums <paramref name="data"/> element-wise over ranks and leaves rank r only block r of the sum, in
    /// <paramref name="shard"/> (MPI_Reduce_scatter_block): <c>data.Length</c> = Size · <c>shard.Length</c> on
    /// every rank, and the two must not overlap. <paramref name="data"/> is not modified.
    /// </summary>
    void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> shard);

    /// <summary>
    /// Concatenates every rank's <paramref name="shard"/> in rank order into <paramref name="data"/> on every
    /// rank (MPI_Allgather): <c>data.Length</c> = Size · <c>shard.Length</c>, and the two must not overlap.
    /// </summary>
    void AllGather(ReadOnlySpan<float> shard, Span<float> data);

    /// <summary>
    /// <see cref="AllGather(ReadOnlySpan{float}, Span{float})"/> for 16-bit values (bfloat16 bit patterns): ZeRO-1 gathers a
    /// bfloat16 model's parameters in its own dtype, half the bytes of float32. No arithmetic, so the bits arrive unchanged.
    /// </summary>
    void AllGather(ReadOnlySpan<ushort> shard, Span<ushort> data);

    /// <summary>Overwrites <paramref name="data"/> on every rank with rank <paramref name="root"/>'s.</summary>
    void Broadcast(Span<float> data, int root);

    /// <summary>Returns once every rank has called it.</summary>
    void Barrier();

    /// <summary>
    /// Ends every rank of the job now, for a failure on this rank (the others would wait for it forever in
    /// their next collective). Does not return in a job of several processes; one process has no job to end.
    /// </summary>
    void Abort(int errorCode) { }
}
