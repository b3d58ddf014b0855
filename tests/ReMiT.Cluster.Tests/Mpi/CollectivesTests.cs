using ReMiT.Cluster.Mpi;
using ReMiT.Training.Distributed;

namespace ReMiT.Cluster.Tests.Mpi;

/// <summary>The MPI-free side of the collectives; two real ranks are tested through <c>remit bench</c> under mpirun (ReMiT.Cli.Tests).</summary>
public sealed class CollectivesTests
{
    [Fact]
    public void FromEnvironment_NotStartedByMpirun_ReturnsSingleProcess()
    {
        Assert.Null(Environment.GetEnvironmentVariable(Collectives.WorldSizeVariable));
        using var collective = Collectives.FromEnvironment();
        Assert.IsType<SingleProcessCollective>(collective);
    }

    [Fact]
    public void Load_LibraryMissing_SaysToInstallOpenMpi()
    {
        var e = Assert.Throws<DllNotFoundException>(() => MpiNative.Load("libmpi-not-here.so.40"));
        Assert.Contains("libmpi-not-here.so.40", e.Message);
        Assert.Contains("install openmpi-bin", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
