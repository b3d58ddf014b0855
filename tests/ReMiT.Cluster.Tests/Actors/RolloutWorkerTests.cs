using System.Collections.Concurrent;
using Akka.Actor;
using ReMiT.Cluster.Actors;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Metrics;
using ReMiT.Cluster.Weights;
using ReMiT.Model;
using ReMiT.Training.Distributed;
using ReMiT.Training.Flywheel;
using static TorchSharp.torch;

namespace ReMiT.Cluster.Tests.Actors;

/// <summary>A rollout worker against a stand-in coordinator: it pulls work, generates with the named policy, refuses corrupt weights.</summary>
public sealed class RolloutWorkerTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ActorSystem _system = ActorSystem.Create("rollout-test", "akka.loglevel = OFF");

    public void Dispose()
    {
        _system.Terminate().Wait(TimeSpan.FromSeconds(10));
        _dir.Dispose();
    }

    /// <summary>The coordinator's side of the protocol, scripted: answers registration, hands out one lease per request.</summary>
    private sealed class ScriptedCoordinator : ReceiveActor
    {
        public ScriptedCoordinator(string run, Queue<IRemitMessage> leases, BlockingCollection<object> seen)
        {
            Receive<RegisterWorker>(_ => Sender.Tell(new WorkerRegistered(run, 0)));
            Receive<RequestWork>(r =>
            {
                seen.Add(r);
                if (leases.Count > 0) Sender.Tell(leases.Dequeue());
            });
            ReceiveAny(seen.Add);
        }
    }

    private (RunContext Run, WeightsVersion Version) PublishedRun()
    {
        var config = ConfigLoader.Load(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "presets", "smoke.json"));
        var run = RunContext.Prepare(config, _dir.Path, resume: false, TextWriter.Null);
        using var model = new DecoderModel(run.ModelConfig);
        model.InitializeWeights(3);
        return (run, WeightsStore.PublishPolicy(model, run.RunDirectory, "rl:base", step: 0));
    }

    private BlockingCollection<object> Start(RunContext run, params IRemitMessage[] leases)
    {
        var seen = new BlockingCollection<object>();
        var coordinator = _system.ActorOf(Props.Create(() => new ScriptedCoordinator(run.RunDirectory, new Queue<IRemitMessage>(leases), seen)));
        var node = new NodeServices(run.RunDirectory, CPU, new RemitMetrics(), TextWriter.Null, new SingleProcessCollective(), 0, CancellationToken.None);
        _system.ActorOf(Props.Create(() => new RolloutWorker(coordinator, node)));
        return seen;
    }

    [Fact]
    public void RolloutWork_SameLeaseAgainWhileItRuns_IsGeneratedOnce()
    {
        var (run, version) = PublishedRun();
        var seen = new BlockingCollection<object>();
        var coordinator = _system.ActorOf(Props.Create(() => new ScriptedCoordinator(run.RunDirectory, new Queue<IRemitMessage>(), seen)));
        var node = new NodeServices(run.RunDirectory, CPU, new RemitMetrics(), TextWriter.Null, new SingleProcessCollective(), 0, CancellationToken.None);
        var worker = _system.ActorOf(Props.Create(() => new RolloutWorker(coordinator, node)));
        Next<RequestWork>(seen); // registered

        var work = new RolloutWork(43, "rl:base", 0, 0, 2, version.Number, 7);
        worker.Tell(work, coordinator);
        worker.Tell(work, coordinator); // its lease timed out and came back to this node while it still generates

        Assert.Equal(43, Next<RolloutsDone>(seen).WorkId);
        Thread.Sleep(TimeSpan.FromSeconds(2));
        Assert.DoesNotContain(seen.ToArray(), m => m is RolloutsDone);
    }

    [Fact]
    public async Task Register_NoCoordinatorAnswersAndEveryStageIsDone_TheNodeEndsAsTheRunDid()
    {
        var (run, _) = PublishedRun();
        var node = new NodeServices(run.RunDirectory, CPU, new RemitMetrics(), TextWriter.Null, new SingleProcessCollective(), 0, CancellationToken.None);
        var silent = _system.ActorOf(Props.Create(() => new SilentCoordinator()));
        _system.ActorOf(Props.Create(() => new RolloutWorker(silent, node)));

        // The run is still going: the worker keeps asking (one register tick is 3 s).
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.False(node.Finished.Task.IsCompleted, "a worker of an unfinished run gave up waiting for its coordinator");

        // Every stage done (the coordinator finished and left): it ends by itself, with no error.
        foreach (var stage in run.Plan)
        {
            string summary = ReMiT.Training.Reporting.StageSummary.PathFor(run.RunDirectory, stage.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(summary)!);
            File.WriteAllText(summary, "{}");
        }
        Assert.Null(await node.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    /// <summary>A coordinator that is gone: nothing sent to it is answered.</summary>
    private sealed class SilentCoordinator : ReceiveActor
    {
        public SilentCoordinator() => ReceiveAny(_ => { });
    }

    private static T Next<T>(BlockingCollection<object> seen)
    {
        while (seen.TryTake(out var m, TimeSpan.FromSeconds(60)))
            if (m is T t) return t;
        throw new TimeoutException($"no {typeof(T).Name} within 60 s");
    }

    [Fact]
    public void RolloutWork_PublishedVersion_AnswersWithGroupsTaggedWithThatVersion()
    {
        var (run, version) = PublishedRun();
        var seen = Start(run, new RolloutWork(42, "rl:base", 0, FirstPrompt: 2, PromptCount: 2, version.Number, Seed: 7));

        var done = Next<RolloutsDone>(seen);
        Assert.Equal(42, done.WorkId);
        Assert.Equal(2 * run.Config.Rl.GroupSize, done.Rollouts.Length);
        Assert.All(done.Rollouts, r => Assert.Equal(version.Number, r.PolicyVersion));
        Assert.Equal([2, 3], done.Rollouts.Select(r => r.Prompt).Distinct().Order());
        Assert.All(done.Rollouts, r => Assert.Equal(r.CompletionIds.Length, r.BehaviourLogProbs.Length));
    }

    [Fact]
    public void RolloutWork_CorruptWeights_ReportsWorkFailedNamingTheFileAndHash_AndAsksForMore()
    {
        var (run, version) = PublishedRun();
        string file = Path.Combine(version.PathIn(run.RunDirectory), "model.safetensors");
        var bytes = File.ReadAllBytes(file);
        bytes[^10] ^= 0x5A;
        File.WriteAllBytes(file, bytes);
        var seen = Start(run, new RolloutWork(9, "rl:base", 0, 0, 2, version.Number, 7));

        var failed = Next<WorkFailed>(seen);
        Assert.Equal(9, failed.WorkId);
        Assert.Equal(WorkKinds.Rollout, failed.Kind);
        Assert.Contains("model.safetensors", failed.Error);
        Assert.Contains("SHA-256", failed.Error);
        Assert.Contains("corrupt", failed.Error);
        Assert.Equal(WorkKinds.Rollout, Next<RequestWork>(seen).Kind); // the worker stays available
    }

    [Fact]
    public void EvalWork_ModelNameLeavingTheRunDirectory_ReportsWorkFailedNamingIt_AndAsksForMore()
    {
        var (run, _) = PublishedRun();
        var seen = Start(run, new EvalWork(5, "../../outside"));

        var failed = Next<WorkFailed>(seen);
        Assert.Equal(5, failed.WorkId);
        Assert.Equal(WorkKinds.Eval, failed.Kind);
        Assert.Contains("'../../outside'", failed.Error);
        Assert.Contains("path separator", failed.Error);
        Assert.Equal(WorkKinds.Rollout, Next<RequestWork>(seen).Kind); // the worker (and its node) carry on
    }

    [Fact]
    public void RolloutWork_AbsoluteStageName_ReportsWorkFailedNamingIt()
    {
        var (run, version) = PublishedRun();
        var seen = Start(run, new RolloutWork(6, "/tmp/stage", 0, 0, 2, version.Number, 7));

        var failed = Next<WorkFailed>(seen);
        Assert.Equal(6, failed.WorkId);
        Assert.Contains("stage name '/tmp/stage'", failed.Error);
        Assert.Equal(WorkKinds.Rollout, Next<RequestWork>(seen).Kind);
    }
}
