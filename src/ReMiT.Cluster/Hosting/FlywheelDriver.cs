using ReMiT.Cluster.Metrics;
using ReMiT.Model;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Distributed;
using ReMiT.Training.Reporting;
using static TorchSharp.torch;

namespace ReMiT.Cluster.Hosting;

/// <summary>
/// <c>remit flywheel</c>: the whole flywheel on one machine — one ActorSystem holding every role
/// (coordinator, rollout, verifier, guide, one learner, no MPI), the same actors and messages as a
/// cluster, listening on 127.0.0.1 only. Prepares the run directory, runs to the end, prints the results table.
/// </summary>
public static class FlywheelDriver
{
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> fired; the run can be resumed.</exception>
    /// <exception cref="InvalidOperationException">A stage failed; the message says which and why.</exception>
    /// <param name="plan">An experiment's stages (saved as plan.json); null: the flywheel's own plan from the config.</param>
    public static void Run(FlywheelConfig config, string runDirectory, Device device, TextWriter log, bool resume,
                           CancellationToken cancellation, int metricsPort = 0, IReadOnlyList<PlannedStage>? plan = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var run = RunContext.Prepare(config, runDirectory, resume, log, plan);
        if (run.Config.IsDryRun) log.WriteLine($"flywheel: DRY RUN — every stage capped at {DryRun.Steps} steps; the numbers mean nothing");
        log.WriteLine($"flywheel: {run.Config.Name} | model {run.Config.Model} ({run.ModelConfig.ParameterCount():N0} parameters, vocab {run.ModelConfig.VocabSize}) | device {device} | run {run.RunDirectory}");
        var options = new NodeOptions
        {
            Roles = NodeOptions.KnownRoles, Hostname = "127.0.0.1", Port = 0, MetricsPort = metricsPort, RunDirectory = run.RunDirectory,
            // One process talks only to itself: nothing listens beyond loopback, so there is nobody to authenticate.
            BindHostname = "127.0.0.1", Insecure = true,
        };
        using var node = new NodeServices(run.RunDirectory, device, new RemitMetrics(), log, new SingleProcessCollective(), metricsPort, cancellation);
        string? error = ClusterNode.RunAsync(options, node, run, null, cancellation).GetAwaiter().GetResult();
        if (cancellation.IsCancellationRequested) throw new OperationCanceledException("the flywheel was interrupted", cancellation);
        if (error is not null) throw new InvalidOperationException(error);

        var results = ResultsFile.Read(ResultsFile.PathFor(run.RunDirectory));
        log.WriteLine();
        log.WriteLine(RunReport.FormatResultsTable(results.Rows));
        log.WriteLine($"flywheel: done in {clock.Elapsed:hh\\:mm\\:ss}; report: {Path.Combine(run.RunDirectory, "report.md")}");
    }
}
