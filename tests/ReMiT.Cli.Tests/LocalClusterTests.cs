using System.Text.Json.Nodes;
using ReMiT.Cluster.Hosting;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using static TorchSharp.torch;

namespace ReMiT.Cli.Tests;

/// <summary>
/// The real multi-process cluster (<c>cluster/local/up.sh</c>: coordinator, verifier, guide, two rollout
/// nodes and two learner ranks under mpirun, on 127.0.0.1) running the smoke flywheel, stretched a little
/// (more RL and mid-training steps) so faults can land mid-stage. One uninterrupted run is the
/// reference; the fault runs must end with byte-identical models — rollouts, guide scores and the
/// schedule of which policy generates which step do not depend on timing or on which node did the work.
/// </summary>
[Collection(ClusterRuns.Name)]
public sealed class LocalClusterTests(LocalClusterTests.ReferenceRun reference)
{
    internal static readonly string[] Settings =
    [
        "--preset", "smoke", "--learners", "2", "--rollouts", "2",
        "--set", "rl.steps=8", "--set", "mid_train.decay_steps=40", "--set", "mid_train.checkpoint_every=5",
    ];
    internal static readonly TimeSpan Limit = TimeSpan.FromMinutes(6);
    internal static readonly string[] Models = ["base", "base+rl", "uniform", "uniform+rl", "remit", "remit+rl"];

    /// <summary>The uninterrupted cluster run the fault runs are compared with (run once for every cluster test).</summary>
    public sealed class ReferenceRun : IDisposable
    {
        private readonly string _root = Directory.CreateTempSubdirectory("remit-cluster-").FullName;

        public ReferenceRun()
        {
            RunDirectory = Path.Combine(_root, "reference");
            using var cluster = LocalCluster.Start(RunDirectory, Settings);
            ExitCode = cluster.WaitForExit(Limit);
            Output = cluster.Output + "\n" + cluster.Logs();
        }

        public string Root => _root;
        public string RunDirectory { get; }
        public int ExitCode { get; }
        public string Output { get; }

        public void Dispose()
        {
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void UpSh_TwoLearnersTwoRollouts_CompletesRecordsTheClusterAndMatchesTheSingleProcessRun()
    {
        Assert.True(reference.ExitCode == 0, reference.Output);
        var results = JsonNode.Parse(File.ReadAllText(Path.Combine(reference.RunDirectory, "results.json")))!;
        var cluster = results["cluster"]!;
        var members = cluster["members"]!.AsArray();
        var roles = members.Select(m => m!["role"]!.GetValue<string>()).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["coordinator", "guide", "learner", "learner", "rollout", "rollout", "verifier"], roles);
        Assert.All(members, m => Assert.StartsWith("akka.ssl.tcp://remit@127.0.0.1:", m!["address"]!.GetValue<string>())); // mutual TLS
        Assert.Equal(7, members.Select(m => m!["pid"]!.GetValue<int>()).Distinct().Count()); // one process each
        Assert.Equal(2, cluster["learner_ranks"]!.GetValue<int>());
        var seen = cluster["metrics_seen"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();
        foreach (string name in new[] { "remit_train_loss", "remit_rl_reward", "remit_queue_depth", "remit_allreduce_duration_seconds",
                                        "remit_weights_publish_duration_seconds", "remit_rollout_tokens_total", "remit_token_weight_mean" })
            Assert.Contains(name, seen);
        Assert.Equal(0, cluster["experiences_lost"]!.GetValue<double>());
        Assert.Equal(0, cluster["duplicate_results_dropped"]!.GetValue<double>());

        // Quality: the same evaluation rows as one process running the same config, and the same weights up to
        // the float rounding of averaging gradients over two ranks.
        string single = Path.Combine(reference.Root, "single");
        var config = ConfigLoader.Load(Path.Combine(reference.RunDirectory, "config.json"));
        FlywheelDriver.Run(config, single, CPU, TextWriter.Null, resume: false, CancellationToken.None);
        Assert.Equal(Rows(single).Select(r => (r.Model, r.Split, r.K)), Rows(reference.RunDirectory).Select(r => (r.Model, r.Split, r.K)));
        foreach (var (a, b) in Rows(single).Zip(Rows(reference.RunDirectory)))
            Assert.True(Math.Abs(a.PassAtK - b.PassAtK) <= 0.25, $"{a} vs {b}");
        foreach (string model in Models)
            Assert.True(ModelFiles.MaxRelativeDifference(Model(single, model), Model(reference.RunDirectory, model)) < 1e-3, model);
    }

    [Fact]
    public void UpSh_RolloutKilledDuringRlAndGuideKilledDuringMidTraining_RunCompletesLosingNothingWithTheSameModels()
    {
        Assert.True(reference.ExitCode == 0, reference.Output);
        string run = Path.Combine(reference.Root, "faults");
        using var cluster = LocalCluster.Start(run, Settings);

        cluster.WaitForLog("stage 2/12: rl:base", Limit);
        cluster.WaitForPolicies(2, Limit);
        var rollouts = cluster.NodePids("rollout");
        Assert.Equal(2, rollouts.Count);
        System.Diagnostics.Process.GetProcessById(rollouts[0]).Kill(); // kill -9 one rollout node mid-RL

        cluster.WaitForLog("stage 5/12: midtrain:remit", Limit);
        Thread.Sleep(500);
        Assert.Equal(1, cluster.KillNodes("guide")); // up.sh restarts it, as Kubernetes would

        Assert.True(cluster.WaitForExit(Limit) == 0, cluster.Output + cluster.Logs());
        var log = File.ReadAllText(Path.Combine(run, "logs", "guide.log"));
        Assert.Contains("restart 1", log);
        AssertLostNothingAndMatches(reference.RunDirectory, run);
    }

    [Fact]
    public void UpSh_LearnerJobKilled_ResumeReproducesTheUninterruptedRunExactly()
    {
        Assert.True(reference.ExitCode == 0, reference.Output);
        string run = Path.Combine(reference.Root, "learner-killed");
        using (var cluster = LocalCluster.Start(run, Settings))
        {
            cluster.WaitForLog("stage 5/12: midtrain:remit", Limit);
            cluster.WaitFor(() => File.Exists(Path.Combine(run, "checkpoints", "midtrain_remit", TrainingCheckpoint.PointerFile)), "a midtrain:remit checkpoint", Limit);
            Assert.Equal(2, cluster.KillNodes("learner"));
            int exit = cluster.WaitForExit(Limit);
            Assert.True(exit != 0, "up.sh should report the stopped run");
            Assert.Contains("learner rank", File.ReadAllText(Path.Combine(run, "logs", "coordinator.log")));
        }
        Assert.False(File.Exists(Model(run, "remit")));

        using (var resumed = LocalCluster.Start(run, "--resume", "--learners", "2", "--rollouts", "2"))
            Assert.True(resumed.WaitForExit(Limit) == 0, resumed.Output + resumed.Logs());
        AssertSameModels(reference.RunDirectory, run);
    }

    [Fact]
    public void UpSh_CoordinatorKilledMidRl_RestartedItRejoinsTheRunningClusterAndTheRunCompletesLosingNothing() =>
        KillTheCoordinatorAndCheckTheRunRecovers("coordinator-killed", cluster =>
        {
            cluster.WaitForLog("stage 2/12: rl:base", Limit);
            cluster.WaitForPolicies(2, Limit);
        });

    [Fact]
    public void UpSh_CoordinatorKilledMidMidTraining_RestartedItRejoinsTheRunningClusterAndTheRunCompletesLosingNothing() =>
        // Mid-stage: the learners are past their first ReMiT checkpoint, with guide batches prefetched and in flight. The
        // learners keep training while it is gone; the new coordinator takes their stage report and the guide requests
        // they re-send, and runs the rest of the flywheel.
        KillTheCoordinatorAndCheckTheRunRecovers("coordinator-killed-midtrain", cluster =>
        {
            cluster.WaitForLog("stage 5/12: midtrain:remit", Limit);
            cluster.WaitFor(() => File.Exists(Path.Combine(cluster.RunDirectory, "checkpoints", "midtrain_remit", TrainingCheckpoint.PointerFile)),
                            "a midtrain:remit checkpoint", Limit);
        });

    // kill -9 of the coordinator once `until` returns, as Kubernetes restarts a pod: the new coordinator joins the running
    // cluster, the workers register with it again and re-send what they wait for, and it continues from the run
    // directory and its journal to the end, losing nothing, leaving no node behind, with the reference run's models.
    private void KillTheCoordinatorAndCheckTheRunRecovers(string name, Action<LocalCluster> until)
    {
        Assert.True(reference.ExitCode == 0, reference.Output);
        string run = Path.Combine(reference.Root, name);
        var environment = new Dictionary<string, string> { ["REMIT_REJOIN_TIMEOUT_S"] = "120" };
        using (var cluster = LocalCluster.Start("local", run, Settings, environment))
        {
            until(cluster);
            Assert.Equal(1, cluster.KillNodes("coordinator")); // kill -9
            Assert.True(cluster.WaitForExit(Limit) == 0, cluster.Output + cluster.Logs());
            string log = File.ReadAllText(Path.Combine(run, "logs", "coordinator.log"));
            Assert.Contains("the coordinator died (exit 137); starting it again", log);
            string restarted = log[log.IndexOf("starting it again", StringComparison.Ordinal)..];
            Assert.Contains("learner rank(s) joined", restarted);
            Assert.Contains("every stage done", restarted);
            foreach (string role in NodeOptions.KnownRoles)
                Assert.True(cluster.NodePids(role).Count == 0, $"a {role} node outlived up.sh");
        }
        AssertLostNothingAndMatches(reference.RunDirectory, run, ReissuedLeases(run));
    }

    /// <summary>
    /// A faulted run ended as the uninterrupted one: no experience lost, byte-identical models and the same
    /// evaluation rows (rollouts, guide scores and which policy generates which step do not depend on timing) — so
    /// no experience was trained on twice. <c>duplicate_results_dropped</c> counts results that arrived twice and were
    /// dropped: 0 unless <paramref name="reissuedLeases"/> leases were taken from a cut-off node, whose own result may
    /// still arrive after the heal (at most one extra arrival per reissued lease).
    /// </summary>
    internal static void AssertLostNothingAndMatches(string referenceRun, string run, int reissuedLeases = 0)
    {
        AssertSameModels(referenceRun, run);
        var section = JsonNode.Parse(File.ReadAllText(Path.Combine(run, "results.json")))!["cluster"]!;
        double lost = section["experiences_lost"]!.GetValue<double>(), duplicated = section["duplicate_results_dropped"]!.GetValue<double>();
        var leases = File.ReadLines(Path.Combine(run, "logs", "coordinator.log"))
            .Where(l => l.Contains("duplicate", StringComparison.Ordinal) || l.Contains("lease(s)", StringComparison.Ordinal) || l.Contains("never reached", StringComparison.Ordinal));
        Assert.True(lost == 0 && duplicated <= reissuedLeases,
            $"experiences lost {lost}, duplicate arrivals dropped {duplicated} (allowed {reissuedLeases}); the coordinator's lease log:\n{string.Join("\n", leases)}");
    }

    /// <summary>Leases the coordinator took back and reissued during a run (from its log).</summary>
    internal static int ReissuedLeases(string run) =>
        File.ReadLines(Path.Combine(run, "logs", "coordinator.log"))
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"(\d+) \w+ lease\(s\) timed out and were reissued"))
            .Where(m => m.Success).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Byte-identical models and the same evaluation rows as the uninterrupted run.</summary>
    internal static void AssertSameModels(string referenceRun, string run)
    {
        foreach (string model in Models)
            Assert.True(ModelFiles.SameBytes(Model(referenceRun, model), Model(run, model)), $"{model} differs from the uninterrupted run");
        Assert.Equal(Rows(referenceRun), Rows(run));
    }

    internal static string Model(string run, string name) => Path.Combine(run, "models", name, "model.safetensors");

    internal static ResultRow[] Rows(string run) =>
        ResultsFile.Read(Path.Combine(run, "results.json")).Rows.OrderBy(r => r.ToString(), StringComparer.Ordinal).ToArray();
}
