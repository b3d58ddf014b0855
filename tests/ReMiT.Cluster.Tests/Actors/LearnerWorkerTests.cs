using System.Collections.Concurrent;
using Akka.Actor;
using ReMiT.Cluster.Actors;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Metrics;
using ReMiT.Training.Distributed;
using static TorchSharp.torch;

namespace ReMiT.Cluster.Tests.Actors;

/// <summary>A learner against a stand-in coordinator that records what it is told.</summary>
public sealed class LearnerWorkerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ActorSystem _system = ActorSystem.Create("learner-test", "akka.loglevel = OFF");

    public void Dispose()
    {
        _system.Terminate().Wait(TimeSpan.FromSeconds(10));
        _dir.Dispose();
    }

    private sealed class RecordingCoordinator : ReceiveActor
    {
        public RecordingCoordinator(string run, BlockingCollection<object> seen)
        {
            Receive<RegisterWorker>(_ => Sender.Tell(new WorkerRegistered(run, 0)));
            ReceiveAny(seen.Add);
        }
    }

    [Theory]
    [InlineData("midtrain:x", "base", "/etc/remit", null, "model name '/etc/remit'")]
    [InlineData("midtrain:x", "../../outside", "remit", null, "model name '../../outside'")]
    [InlineData("midtrain:x", "base", "remit", "..", "model name '..'")]
    [InlineData("../stage", "base", "remit", null, "stage name '../stage'")]
    public void RunStage_NameLeavingTheRunDirectory_ReportsStageFailedNamingIt(string stage, string from, string to, string? guide, string expected)
    {
        var seen = new BlockingCollection<object>();
        var coordinator = _system.ActorOf(Props.Create(() => new RecordingCoordinator(_dir.Path, seen)));
        using var node = new NodeServices(_dir.Path, CPU, new RemitMetrics(), TextWriter.Null, new SingleProcessCollective(), 0, CancellationToken.None);
        var learner = _system.ActorOf(Props.Create(() => new LearnerWorker(coordinator, node)));

        learner.Tell(new RunStage(stage, "MidTrain", from, to, "remit", guide), coordinator);

        StageFailed? failed = null;
        while (failed is null && seen.TryTake(out var m, TimeSpan.FromSeconds(30))) failed = m as StageFailed;
        Assert.NotNull(failed);
        Assert.Equal(stage, failed.Stage);
        Assert.Contains(expected, failed.Error);
        Assert.False(node.Finished.Task.IsCompleted); // the node carries on
    }
}
