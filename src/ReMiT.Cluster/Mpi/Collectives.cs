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
}
