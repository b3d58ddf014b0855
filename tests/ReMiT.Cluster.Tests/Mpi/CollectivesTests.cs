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
    public void Run_OneProcess_ReturnsBodyResultAndLetsExceptionsThrough()
    {
        Assert.Equal(7, Collectives.Run(c => c.Size + 6, TextWriter.Null));
        Assert.Throws<ArgumentException>(() => Collectives.Run(_ => throw new ArgumentException("bad"), TextWriter.Null));
    }

    [Fact]
    public void Load_LibraryMissing_SaysToInstallOpenMpi()
    {
        var e = Assert.Throws<DllNotFoundException>(() => MpiNative.Load("libmpi-not-here.so.40"));
        Assert.Contains("libmpi-not-here.so.40", e.Message);
        Assert.Contains("install openmpi-bin", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
