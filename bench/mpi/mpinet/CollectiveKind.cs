namespace ReMiT.Bench.MpiNet;

/// <summary>The four timed calls, named as bench/mpi/collectives.c names them.</summary>
internal enum CollectiveKind
{
    /// <summary>MPI_Allreduce(MPI_IN_PLACE, full[n]): what ICollective.AllReduceSum does.</summary>
    AllReduceInPlace,

    /// <summary>MPI_Allreduce(full[n] → fullOut[n]).</summary>
    AllReduce,

    /// <summary>MPI_Reduce_scatter(full[n] → shard[n/N]), equal counts: gradients to this rank's shard.</summary>
    ReduceScatter,

    /// <summary>MPI_Allgatherv(shard[n/N] → fullOut[n]), equal counts: shards to full parameters.</summary>
    AllGather,
}
