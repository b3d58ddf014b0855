using ReMiT.Training.Distributed;

namespace ReMiT.Cluster.Mpi;

/// <summary>Picks the collective for this process from how it was started.</summary>
public static class Collectives
{
    /// <summary>Set by Open MPI's mpirun in every process it starts.</summary>
    public const string WorldSizeVariable = "OMPI_COMM_WORLD_SIZE";

    /// <summary>
    /// <see cref="OpenMpiCollective"/> when mpirun started us (<c>OMPI_COMM_WORLD_SIZE</c> is set),
    /// else <see cref="SingleProcessCollective"/>.
    /// </summary>
    public static ICollective FromEnvironment()
    {
        string? size = Environment.GetEnvironmentVariable(WorldSizeVariable);
        if (size is null) return new SingleProcessCollective();
        try
        {
            return new OpenMpiCollective();
        }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException($"{WorldSizeVariable}={size}: this process was started by mpirun, but {e.Message}", e);
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/> with this process's collective and disposes it. In a job of
    /// several ranks an exception is written to <paramref name="error"/> with the rank and then
    /// aborts the whole job, before any unwinding: otherwise the other ranks would wait forever in
    /// their next collective, and this rank's MPI_Finalize (on dispose) would wait for them.
    /// </summary>
    public static int Run(Func<ICollective, int> body, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(body);
        using var collective = FromEnvironment();
        try
        {
            return body(collective);
        }
        catch (Exception e) when (collective is OpenMpiCollective { Size: > 1 } mpi && AbortJob(mpi, e, error))
        {
            throw; // not reached: AbortJob ends the process
        }
    }

    // An exception filter, so it runs while the failing frames (and any lock they hold) are still on the stack.
    private static bool AbortJob(OpenMpiCollective mpi, Exception e, TextWriter error)
    {
        error.WriteLine($"rank {mpi.Rank} of {mpi.Size}: {e.GetType().Name}: {e.Message}; aborting the MPI job.");
        error.Flush();
        mpi.Abort(errorCode: 1);
        return false;
    }
}
