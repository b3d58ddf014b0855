using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Metrics;
using ReMiT.Training.Distributed;
using ReMiT.Training.Storage;
using static TorchSharp.torch;

namespace ReMiT.Cluster.Tests.Hosting;

public sealed class ClusterNodeLockTests
{
    [Fact]
    public async Task RunAsync_LearnerOnARunAnotherLearnerJobHolds_IsRefusedNamingTheLockAndItsOwner()
    {
        using var dir = new TempDir();
        using var held = RunLock.Acquire(dir.Path); // the first learner job (this live process)
        var options = new NodeOptions { Roles = ["learner"], SeedNodes = ["akka.tcp://remit@127.0.0.1:1"], RunDirectory = dir.Path, MetricsPort = 0, Insecure = true };
        using var node = new NodeServices(dir.Path, CPU, new RemitMetrics(), TextWriter.Null, new SingleProcessCollective(), 0, CancellationToken.None);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ClusterNode.RunAsync(options, node, null, null, CancellationToken.None));
        Assert.Contains(Path.Combine(dir.Path, RunLock.FileName), e.Message);
        Assert.Contains($"pid {Environment.ProcessId}", e.Message);
    }
}
