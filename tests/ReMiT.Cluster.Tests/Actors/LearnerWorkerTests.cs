using System.Collections.Concurrent;
using Akka.Actor;
using ReMiT.Cluster.Actors;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Metrics;
using ReMiT.Training.Distributed;
using ReMiT.Training.Flywheel;
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

    [Fact]
    public void RunStageAndRunFinished_FromAnyoneButTheCoordinator_AreRefusedAndCounted()
    {
        var seen = new BlockingCollection<object>();
        var coordinator = _system.ActorOf(Props.Create(() => new RecordingCoordinator(_dir.Path, seen)));
        var stranger = _system.ActorOf(Props.Create(() => new RecordingCoordinator(_dir.Path, new BlockingCollection<object>())));
        var metrics = new RemitMetrics();
        using var node = new NodeServices(_dir.Path, CPU, metrics, TextWriter.Null, new SingleProcessCollective(), 0, CancellationToken.None);
        var learner = _system.ActorOf(Props.Create(() => new LearnerWorker(coordinator, node)));

        learner.Tell(new RunStage("../stage", "MidTrain", "base", "remit", "remit", null), stranger); // obeyed, it would answer StageFailed
        learner.Tell(new RunFinished("forged"), stranger);
        learner.Tell(new RunStage("../stage", "MidTrain", "base", "remit", "remit", null), coordinator);

        StageFailed? failed = null;
        while (failed is null && seen.TryTake(out var m, TimeSpan.FromSeconds(30))) failed = m as StageFailed;
        Assert.NotNull(failed);                                   // the coordinator's own command is obeyed, and only once
        Assert.False(seen.TryTake(out var more, TimeSpan.FromMilliseconds(300)) && more is StageFailed);
        Assert.Equal(2, metrics.MessagesRejected.WithLabels(RejectReasons.NotCoordinator).Value);
        Assert.False(node.Finished.Task.IsCompleted);
    }

    /// <summary>Rank 1 of 2 whose collectives change nothing, recording MPI_Abort instead of ending the process.</summary>
    private sealed class AbortRecordingRank : ICollective
    {
        public TaskCompletionSource<int> Aborted { get; } = new();
        public int Rank => 1;
        public int Size => 2;
        public void AllReduceSum(Span<float> data) { }
        public void Broadcast(Span<float> data, int root) { }
        public void ReduceScatterSum(ReadOnlySpan<float> data, Span<float> shard) { }
        public void AllGather(ReadOnlySpan<float> shard, Span<float> data) { }
        public void AllGather(ReadOnlySpan<ushort> shard, Span<ushort> data) { }
        public void Barrier() { }
        public void Abort(int errorCode) => Aborted.TrySetResult(errorCode);
        public void Dispose() { }
    }

    [Fact]
    public async Task RunStage_StageThrowsOnOneRankOfSeveral_TellsTheCoordinatorThenAbortsTheMpiJob()
    {
        var config = ConfigLoader.Load(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "presets", "smoke.json"));
        RunContext.Prepare(config, _dir.Path, resume: false, TextWriter.Null);
        var seen = new BlockingCollection<object>();
        var coordinator = _system.ActorOf(Props.Create(() => new RecordingCoordinator(_dir.Path, seen)));
        var rank = new AbortRecordingRank();
        using var node = new NodeServices(_dir.Path, CPU, new RemitMetrics(), TextWriter.Null, rank, 0, CancellationToken.None);
        var learner = _system.ActorOf(Props.Create(() => new LearnerWorker(coordinator, node)));

        learner.Tell(new RunStage("midtrain:lost", "MidTrain", "no-such-model", "after", "uniform", null), coordinator);

        StageFailed? failed = null;
        while (failed is null && seen.TryTake(out var m, TimeSpan.FromSeconds(60))) failed = m as StageFailed;
        Assert.NotNull(failed);
        Assert.Equal("midtrain:lost", failed.Stage);
        Assert.Contains("learner rank 1", failed.Error);
        Assert.Contains("the MPI job was aborted", failed.Error);
        Assert.Equal(1, await rank.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(30))); // MPI_Abort, with the error code
    }
}
