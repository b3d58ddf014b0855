using ReMiT.Training.Experiments;
using ReMiT.Training.Flywheel;
using static TorchSharp.torch;

namespace ReMiT.Cluster.Hosting;

/// <summary>
/// <c>remit experiment run</c>: for seed s = 1..N, one flywheel run in DIR/seed-&lt;s&gt;/ with the spec's plan,
/// through <see cref="FlywheelDriver"/> (the same path as <c>remit flywheel</c>), then the analysis. A seed
/// whose every stage is done is skipped, so <c>--resume</c> continues where the experiment stopped.
/// </summary>
public static class ExperimentRunner
{
    public sealed record Request(ExperimentSpec Spec, FlywheelConfig Config, string SpecText, string Directory, int Seeds, bool DryRun, bool Resume, string? ReuseFrom = null);

    /// <exception cref="ArgumentException">DIR already holds an experiment and --resume was not given.</exception>
    /// <exception cref="OperationCanceledException">Interrupted; the experiment can be resumed.</exception>
    /// <exception cref="InvalidOperationException">A stage failed; the message says which seed and stage.</exception>
    public static void Run(Request request, Device device, TextWriter log, CancellationToken cancellation)
    {
        var (spec, dir) = (request.Spec, Path.GetFullPath(request.Directory));
        bool exists = File.Exists(Path.Combine(dir, ExperimentLayout.RunFile));
        if (exists && !request.Resume) throw new ArgumentException($"{dir} already holds an experiment; continue it with --resume or choose another --out.");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, ExperimentLayout.SpecFile), request.SpecText);
        ExperimentLayout.WriteSettings(dir, new(spec.Preset, request.Seeds, request.DryRun, request.ReuseFrom is null ? null : Path.GetFullPath(request.ReuseFrom)));
        var plan = ExperimentPlan.Build(spec);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        log.WriteLine($"experiment {spec.Name}: {request.Seeds} seed(s) × {plan.Count} stages ({string.Join(", ", plan.Select(s => s.Name))}){(request.DryRun ? " — DRY RUN" : "")}");
        for (int seed = 1; seed <= request.Seeds; seed++)
        {
            string seedDir = ExperimentLayout.SeedDirectory(dir, seed);
            if (plan.All(s => StageRunner.IsDone(seedDir, s.Name)))
            {
                log.WriteLine($"experiment {spec.Name}: seed {seed}/{request.Seeds}: every stage done, skipped");
                continue;
            }
            var config = ExperimentSpecLoader.ForSeed(request.Config, spec, seed);
            if (request.DryRun) config = DryRun.Apply(config);
            config = config with { Name = $"{spec.Name} seed {seed}" + (request.DryRun ? " (dry run)" : "") };
            bool resumeSeed = File.Exists(Path.Combine(seedDir, "config.json"));
            if (!resumeSeed && request.ReuseFrom is { } other)
                StageReuse.Copy(ExperimentLayout.SeedDirectory(other, seed), seedDir, config, plan, log);
            log.WriteLine($"experiment {spec.Name}: seed {seed}/{request.Seeds} → {seedDir}{(resumeSeed ? " (resuming)" : "")}");
            try
            {
                FlywheelDriver.Run(config, seedDir, device, log, resumeSeed, cancellation, plan: plan);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"seed {seed}: {e.Message}", e);
            }
        }
        log.WriteLine($"experiment {spec.Name}: every seed done in {clock.Elapsed:hh\\:mm\\:ss}");
        AnalysisAdapter.Run(dir, spec, ExperimentLayout.Arms(dir, spec, request.Seeds), request.DryRun, log);
    }
}
