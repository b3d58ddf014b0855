using System.CommandLine;
using System.Text.Json.Nodes;
using ReMiT.Model;
using ReMiT.Training.Benchmarks;
using static TorchSharp.torch;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit bench memory</c>: a real step's resident memory on CPU next to <c>remit plan</c>'s figure for it.</summary>
internal static class BenchMemoryCommand
{
    public static Command Create()
    {
        var inputs = new PlanInputs();
        var phase = new Option<string>("--phase") { Description = "train (two optimizer steps) or rollout (one generation batch).", DefaultValueFactory = _ => "train" };
        var json = new Option<bool>("--json") { Description = "Print only one JSON line." };
        var command = new Command("memory",
            "Builds the model on CPU (random weights; one rank, ZeRO 0) and runs two optimizer steps or one generation batch,\n" +
            "then prints the peak resident memory above the process's size before the model (Linux VmHWM) next to the plan's\n" +
            "peak for that phase. Run it as its own process: memory freed earlier in a process is reused unseen.\n\n" +
            "Example:\n  remit bench memory --preset tiny --batch 8 --seq-len 256 --json") { phase, json };
        foreach (var option in inputs.All) command.Options.Add(option);
        command.SetGuardedAction((p, output, _) =>
        {
            var (request, source) = inputs.Resolve(p);
            TorchRuntime.EnsureLoaded();
            var dtype = request.Bfloat16 ? ScalarType.BFloat16 : ScalarType.Float32;
            var result = p.GetValue(phase) switch
            {
                "train" => MemoryBenchmark.Train(request.Model, request.Batch, request.SeqLen, dtype),
                "rollout" => MemoryBenchmark.Rollout(request.Model, request.RolloutBatch, request.GroupSize, request.PromptLen, request.MaxNewTokens, dtype),
                var other => throw new ArgumentException($"--phase must be train or rollout, got '{other}'."),
            };
            if (!p.GetValue(json))
                output.WriteLine($"{result.Phase} ({source}): measured {PlanCommand.Human(result.MeasuredBytes)}, planned {PlanCommand.Human(result.PlannedBytes)} " +
                                 $"(measured/planned {result.Ratio:F3}){(result.PeakWasReset ? "" : "; VmHWM could not be reset, so the peak includes the warm-up")}");
            output.WriteLine(new JsonObject
            {
                ["phase"] = result.Phase,
                ["model_source"] = source,
                ["dtype"] = request.Bfloat16 ? "bf16" : "f32",
                ["params"] = result.Plan.Params,
                ["batch"] = request.Batch,
                ["seq_len"] = request.SeqLen,
                ["rollout_batch"] = request.RolloutBatch,
                ["group_size"] = request.GroupSize,
                ["prompt_len"] = request.PromptLen,
                ["max_new_tokens"] = request.MaxNewTokens,
                ["measured_bytes"] = result.MeasuredBytes,
                ["planned_bytes"] = result.PlannedBytes,
                ["ratio"] = Math.Round(result.Ratio, 4),
                ["peak_was_reset"] = result.PeakWasReset,
                ["activations_bytes"] = result.Plan.ActivationsBytes,
                ["optimizer_step_bytes"] = result.Plan.OptimizerStepBytes,
                ["static_bytes"] = result.Plan.StaticBytes,
                ["kv_cache_bytes"] = result.Plan.KvCacheBytes,
            }.ToJsonString());
            return 0;
        });
        return command;
    }
}
