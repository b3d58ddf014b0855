using System.CommandLine;
using ReMiT.Cluster.Hosting;
using ReMiT.Model;
using ReMiT.Training.Experiments;
using ReMiT.Training.Flywheel;

namespace ReMiT.Cli.Commands;

/// <summary>
/// <c>remit experiment run|report</c>: an experiment spec (experiments/*.json) as one command — every seed's
/// flywheel run with the spec's shared stages and arms, then paired comparisons in experiment.json/report.md.
/// </summary>
internal static class ExperimentCommand
{
    public static Command Create()
    {
        var command = new Command("experiment", "Run an experiment spec (experiments/*.json) over seeds and compare its arms.");
        command.Subcommands.Add(RunCommand());
        command.Subcommands.Add(ReportCommand());
        return command;
    }

    private static Command RunCommand()
    {
        var spec = new Option<string>("--spec") { Description = "Experiment spec: a path, or a name in experiments/ (e.g. remit-vs-baselines).", Required = true };
        var outDir = new Option<string>("--out") { Description = "Experiment directory: seed-<s>/ runs, experiment.json, report.md.", Required = true };
        var seeds = new Option<int?>("--seeds") { Description = "Seeds to run (1..N); default: the spec's." };
        var preset = new Option<string?>("--preset") { Description = "Base preset replacing the spec's (smoke, tiny, small or a .json path)." };
        var dryRun = new Option<bool>("--dry-run") { Description = $"Every stage capped ({DryRun.Steps} steps, {DryRun.Rows} rows, {DryRun.EvalProblemsPerOp} eval problems per op, {DryRun.NewTokens} new tokens): checks the spec runs." };
        var resume = new Option<bool>("--resume") { Description = "Continue the experiment in --out (finished seeds are skipped, the current one resumes)." };
        var reuseFrom = new Option<string?>("--reuse-from") { Description = "Another experiment directory: each seed copies the training stages it finished with the same inputs and config (e.g. the shared pre-training) instead of running them again; evaluations always run." };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var command = new Command("run",
            "Run an experiment: for seed s = 1..N a flywheel run in DIR/seed-<s>/ with the spec's stages (shared across arms)\n" +
            "and an evaluation of every arm's model, then the paired comparisons into DIR/experiment.json and DIR/report.md.\n\n" +
            "Example (CPU, a few minutes):\n  remit experiment run --spec remit-vs-baselines --preset smoke --seeds 1 --dry-run --out runs/exp-dry")
            { spec, outDir, seeds, preset, dryRun, resume, reuseFrom, device };
        command.SetGuardedAction((p, output, error) =>
        {
            if (p.GetValue(seeds) is int n && n < 1) throw new ArgumentException($"--seeds must be >= 1, got {n}.");
            string dir = Path.GetFullPath(p.GetValue(outDir)!);
            bool isResume = p.GetValue(resume);
            string specPath, presetName;
            bool dry = p.GetValue(dryRun);
            int? seedCount = p.GetValue(seeds);
            string? presetOverride = p.GetValue(preset);
            string? reuse = p.GetValue(reuseFrom);
            if (isResume && File.Exists(Path.Combine(dir, ExperimentLayout.RunFile)))
            {
                // The experiment continues as it was started; flags that would change it are refused.
                var saved = ExperimentLayout.ReadSettings(dir);
                specPath = Path.Combine(dir, ExperimentLayout.SpecFile);
                presetName = saved.Preset;
                if (dry != saved.DryRun) throw new ArgumentException($"--dry-run: {dir} was started {(saved.DryRun ? "with" : "without")} it; resume the same way.");
                seedCount ??= saved.Seeds;
                reuse = saved.ReuseFrom;
                presetOverride = presetName;
            }
            else specPath = ResolveSpec(p.GetValue(spec)!);
            if (reuse is not null && !File.Exists(Path.Combine(reuse, ExperimentLayout.RunFile)))
                throw new ArgumentException($"--reuse-from: {reuse} is not an experiment directory (no {ExperimentLayout.RunFile}).");
            var (loaded, config) = ExperimentSpecLoader.Load(specPath, Presets.Resolve, presetOverride);
            TorchRuntime.EnsureLoaded();
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); output.WriteLine("stopping at the next step; resume with --resume"); };
            var request = new ExperimentRunner.Request(loaded, config, File.ReadAllText(specPath), dir, seedCount ?? loaded.Seeds, dry, isResume, reuse);
            string again = $"remit experiment run --spec {p.GetValue(spec)} --out {p.GetValue(outDir)} --resume" + (dry ? " --dry-run" : "");
            try
            {
                ExperimentRunner.Run(request, TorchRuntime.ResolveDevice(p.GetValue(device)!), output, cancel.Token);
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                output.WriteLine($"experiment: interrupted; continue with: {again}");
                return 130;
            }
            catch (InvalidOperationException e)
            {
                error.WriteLine($"remit experiment run: {e.Message}");
                output.WriteLine($"experiment: stopped; continue with: {again}");
                return 1;
            }
            return 0;
        });
        return command;
    }

    private static Command ReportCommand()
    {
        var dir = new Argument<string>("DIR") { Description = "An experiment directory written by remit experiment run." };
        var command = new Command("report",
            "Recompute DIR/experiment.json and DIR/report.md from the per-problem eval files of every seed.\n\n" +
            "Example:\n  remit experiment report runs/exp-dry") { dir };
        command.SetGuardedAction((p, output, _) =>
        {
            string path = Path.GetFullPath(p.GetValue(dir)!);
            var settings = ExperimentLayout.ReadSettings(path);
            var (spec, _) = ExperimentSpecLoader.Load(Path.Combine(path, ExperimentLayout.SpecFile), Presets.Resolve, settings.Preset);
            AnalysisAdapter.Run(path, spec, ExperimentLayout.Arms(path, spec, settings.Seeds), settings.DryRun, output);
            return 0;
        });
        return command;
    }

    /// <summary>A spec path, or a name found in experiments/ of the repository (or beside the binaries).</summary>
    public static string ResolveSpec(string nameOrPath)
    {
        if (nameOrPath.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            return File.Exists(nameOrPath) ? nameOrPath : throw new FileNotFoundException($"--spec: '{nameOrPath}' does not exist.", nameOrPath);
        var dirs = new List<string> { Path.Combine(AppContext.BaseDirectory, "experiments") };
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (Directory.Exists(Path.Combine(d.FullName, "experiments"))) { dirs.Add(Path.Combine(d.FullName, "experiments")); break; }
        foreach (string d in dirs)
            if (File.Exists(Path.Combine(d, nameOrPath + ".json"))) return Path.Combine(d, nameOrPath + ".json");
        var known = dirs.Where(Directory.Exists).SelectMany(d => Directory.GetFiles(d, "*.json")).Select(Path.GetFileNameWithoutExtension).Distinct().Order();
        throw new ArgumentException($"--spec: unknown experiment '{nameOrPath}'; known: {string.Join(", ", known)} (or give a path to a .json spec).");
    }
}
