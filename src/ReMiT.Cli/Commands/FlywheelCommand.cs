using System.CommandLine;
using System.Text.Json;
using ReMiT.Cluster.Hosting;
using ReMiT.Model;
using ReMiT.Training.Flywheel;

namespace ReMiT.Cli.Commands;

/// <summary>
/// <c>remit flywheel</c>: pre-train → RLVR → RL-guided mid-training → RLVR → evaluate, in one process that
/// holds every cluster role (the same actors and messages as <c>remit node</c> on a cluster).
/// </summary>
internal static class FlywheelCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset") { Description = "Run preset: smoke (minutes, CI), tiny (the CPU flywheel), small (one GPU); or a path to a JSON config.", DefaultValueFactory = _ => "tiny" };
        var outDir = new Option<string>("--out") { Description = "Run directory (models, checkpoints, metrics, results.json, report.md).", Required = true };
        var iterations = new Option<int?>("--iterations") { Description = "1 = ReMiT; 2 = also ReMiT2 (the ReMiT branch's RL model guides a second mid-training)." };
        var extra = new Option<string[]>("--baselines") { Description = "Extra mid-training weightings beside uniform and remit: rho1, kd.", AllowMultipleArgumentsPerToken = true };
        var set = new Option<string[]>("--set") { Description = "Override one config value, e.g. --set mid_train.epsilon=0.3 (repeatable).", AllowMultipleArgumentsPerToken = true };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run in --out exactly where it stopped." };
        var device = new Option<string>("--device") { Description = "cpu, cuda, cuda:N or auto.", DefaultValueFactory = _ => "cpu" };
        var dryRun = new Option<bool>("--dry-run") { Description = $"Every stage through the same code path, capped ({DryRun.Steps} steps, {DryRun.Rows} rows, {DryRun.EvalProblemsPerOp} eval problems per op, {DryRun.NewTokens} new tokens): checks a preset runs, in minutes." };
        var maxShard = new Option<string?>("--max-shard-size")
        {
            Description = "Largest weight file of the models the run writes (e.g. 5GB, 500MB, 2GiB; config key max_shard_size, default 5GB); " +
                          "a bigger model is split into model-00001-of-0000N.safetensors files plus model.safetensors.index.json.",
        };
        var metricsPort = new Option<int>("--metrics-port") { Description = "Serve Prometheus metrics on 127.0.0.1:PORT while running (0 = off); the flywheel listens on nothing else.", DefaultValueFactory = _ => 0 };
        var command = new Command("flywheel",
            "Run the ReMiT flywheel: pre-train a base to the start of its LR decay, RLVR on it (RL model 1), mid-train\n" +
            "from the pre-decay checkpoint with uniform and ReMiT weighting (guided by RL model 1), RLVR on each, evaluate\n" +
            "all; writes DIR/results.json, DIR/report.md with plots, and every model in Hugging Face layout.\n\n" +
            "Examples:\n  remit flywheel --preset smoke --out runs/smoke\n  remit flywheel --preset tiny --out runs/tiny --iterations 2\n" +
            "  remit flywheel --preset tiny --out runs/tiny --resume\n  remit flywheel --preset small --out runs/small-dry --dry-run")
            { preset, outDir, iterations, extra, set, resume, dryRun, device, metricsPort, maxShard };
        command.SetGuardedAction((p, output, error) =>
        {
            var overrides = new List<string>(p.GetValue(set) ?? []);
            if (p.GetValue(iterations) is int n) overrides.Add($"iterations={n}");
            if (p.GetValue(maxShard) is { } shardSize)
            {
                MaxShardSizeOption.Bytes(shardSize); // refused here, naming the option, before any work
                overrides.Add($"max_shard_size={JsonSerializer.Serialize(shardSize)}");
            }
            if (p.GetValue(extra) is { Length: > 0 } baselines)
                overrides.Add("extra_weightings=[" + string.Join(",", baselines.Select(b => $"\"{b}\"")) + "]");
            string configPath = Presets.Resolve(p.GetValue(preset)!);
            var config = ConfigLoader.Load(configPath, overrides);
            if (p.GetValue(dryRun)) config = DryRun.Apply(config);
            TorchRuntime.EnsureLoaded();
            using var cancel = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); output.WriteLine("stopping at the next step; resume with --resume"); };
            try
            {
                FlywheelDriver.Run(config, p.GetValue(outDir)!, TorchRuntime.ResolveDevice(p.GetValue(device)!), output, p.GetValue(resume),
                                   cancel.Token, p.GetValue(metricsPort));
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                output.WriteLine($"flywheel: interrupted; continue with: remit flywheel --out {p.GetValue(outDir)} --resume");
                return 130;
            }
            catch (InvalidOperationException e)
            {
                error.WriteLine($"remit flywheel: {e.Message}");
                output.WriteLine($"flywheel: stopped; continue with: remit flywheel --out {p.GetValue(outDir)} --resume");
                return 1;
            }
            return 0;
        });
        return command;
    }
}
