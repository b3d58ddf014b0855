using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Planning;

namespace ReMiT.Cli.Commands;

/// <summary><c>remit plan</c>: per-rank memory of training and rollout generation, from the model's shape alone.</summary>
internal static class PlanCommand
{
    public static Command Create()
    {
        var inputs = new PlanInputs();
        var ranks = new Option<int>("--ranks") { Description = "Data-parallel learner ranks.", DefaultValueFactory = _ => 1 };
        var zero = new Option<int>("--zero") { Description = "ZeRO stage: 0 (every rank holds the optimizer state) or 1 (each holds 1/ranks of it).", DefaultValueFactory = _ => 0 };
        var checkpointing = new Option<bool>("--activation-checkpointing") { Description = "Plan for recomputing each decoder block in backward." };
        var gpuMemory = new Option<string?>("--gpu-memory") { Description = "Memory per rank to fit in, e.g. 80GiB or 24GB (default: this machine's available memory, for CPU runs)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table." };
        var command = new Command("plan",
            "Per-rank bytes of weights, gradients, optimizer state, activations and the KV cache of rollout generation, and\n" +
            "whether the peak fits. Nothing is allocated: the shape comes from a checkpoint's config.json or a preset. Training\n" +
            "and generation take turns on a rank, so the total is the larger of the two peaks. Each term is derived in\n" +
            "src/ReMiT.Training/Planning/MemoryPlanner.cs; `remit bench memory` measures a real step to compare.\n\n" +
            "Examples:\n  remit plan --preset tiny\n  remit plan --model runs/tiny/models/base --ranks 2 --zero 1 --seq-len 256 --batch 16 --dtype bf16 --gpu-memory 24GiB --json")
            { ranks, zero, checkpointing, gpuMemory, json };
        foreach (var option in inputs.All) command.Options.Add(option);
        command.SetGuardedAction((p, output, _) =>
        {
            var (request, source) = inputs.Resolve(p);
            request = request with { Ranks = p.GetValue(ranks), Zero = p.GetValue(zero), ActivationCheckpointing = p.GetValue(checkpointing) };
            var (budget, budgetSource) = Budget(p.GetValue(gpuMemory), request.Ranks);
            var plan = MemoryPlanner.Plan(request);
            if (p.GetValue(json))
                output.WriteLine(ToJson(request, plan, source, budget, budgetSource).ToJsonString());
            else
                WriteTable(output, request, plan, source, budget, budgetSource);
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Bytes each rank must fit in: --gpu-memory (one device per rank), else this machine's available memory (Linux
    /// MemAvailable) shared by all <paramref name="ranks"/>: without --gpu-memory the ranks are CPU processes on this
    /// host (a 0.5B GRPO step on 2 ranks was OOM-killed here while the per-rank total alone "fit").
    /// </summary>
    private static (long Bytes, string Source) Budget(string? gpuMemory, int ranks)
    {
        if (gpuMemory is not null) return GpuBudget(gpuMemory);
        var (host, source) = HostMemory();
        return ranks > 1 ? (host / ranks, $"{source} shared by {ranks} ranks on this machine: {Human(host / ranks)} each") : (host, source);
    }

    private static (long Bytes, string Source) GpuBudget(string gpuMemory)
    {
        try
        {
            return (ShardSize.Parse(gpuMemory), "--gpu-memory");
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"--gpu-memory: '{gpuMemory}' is not a size; write e.g. 80GiB, 24GB or a byte count.");
        }
    }

    private static (long Bytes, string Source) HostMemory()
    {
        if (File.Exists("/proc/meminfo"))
            foreach (string line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    return (long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024,
                            "available memory (/proc/meminfo MemAvailable)");
        return (GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, "available memory (.NET's view)");
    }

    private static JsonObject ToJson(MemoryPlanRequest r, MemoryPlan plan, string source, long budget, string budgetSource) => new()
    {
        ["params"] = plan.Params,
        ["weights_bytes"] = plan.WeightsBytes,
        ["gradients_bytes"] = plan.GradientsBytes,
        ["optimizer_bytes"] = plan.OptimizerBytes,
        ["activations_bytes"] = plan.ActivationsBytes,
        ["kv_cache_bytes"] = plan.KvCacheBytes,
        ["total_bytes"] = plan.TotalBytes,
        ["fits"] = plan.Fits(budget),
        ["optimizer_step_bytes"] = plan.OptimizerStepBytes,
        ["checkpoint_bytes"] = plan.CheckpointBytes,
        ["prefill_bytes"] = plan.PrefillBytes,
        ["training_peak_bytes"] = plan.TrainingPeakBytes,
        ["rollout_peak_bytes"] = plan.RolloutPeakBytes,
        ["budget_bytes"] = budget,
        ["budget_source"] = budgetSource,
        ["model_source"] = source,
        ["dtype"] = r.Bfloat16 ? "bf16" : "f32",
        ["ranks"] = r.Ranks,
        ["zero"] = r.Zero,
        ["activation_checkpointing"] = r.ActivationCheckpointing,
        ["seq_len"] = r.SeqLen,
        ["batch"] = r.Batch,
        ["rows_per_rank"] = plan.RowsPerRank,
        ["rollout_batch"] = r.RolloutBatch,
        ["group_size"] = r.GroupSize,
        ["prompt_len"] = r.PromptLen,
        ["max_new_tokens"] = r.MaxNewTokens,
    };

    private static void WriteTable(TextWriter output, MemoryPlanRequest r, MemoryPlan plan, string source, long budget, string budgetSource)
    {
        output.WriteLine($"plan: {r.Model.ModelType}, {plan.Params:N0} parameters from {source}");
        output.WriteLine($"      {(r.Bfloat16 ? "bf16" : "f32")} model, float32 optimizer, {r.Ranks} rank(s), ZeRO {r.Zero}" +
                         $"{(r.ActivationCheckpointing ? ", activation checkpointing" : "")}; per rank {plan.RowsPerRank} x {r.SeqLen} training tokens");
        void Row(string name, long bytes, string why) => output.WriteLine($"  {name,-16} {Human(bytes),11}  {why}");
        Row("weights", plan.WeightsBytes, "model parameters");
        Row("gradients", plan.GradientsBytes, r.Zero == 1 && r.Ranks > 1
            ? "parameter .grad + float32 gradient shard + one bucket of reduce-scatter/all-gather staging"
            : "parameter .grad + float32 all-reduce buffer");
        Row("optimizer", plan.OptimizerBytes, r.Zero == 1 ? "float32 master and moments: 1/ranks each" : "float32 master and moments");
        Row("activations", plan.ActivationsBytes, "saved for backward, with the loss's (B, T, V) tensors");
        Row("optimizer step", plan.OptimizerStepBytes, "temporaries of the AdamW step, with the logits");
        if (plan.CheckpointBytes > 0)
            Row("checkpoint", plan.CheckpointBytes, "one full float32 state buffer while a checkpoint is saved (rank 0) or loaded");
        Row("kv cache", plan.KvCacheBytes, $"{r.RolloutBatch} rollouts of {r.PromptLen} + {r.MaxNewTokens} positions, and their prompts' cache");
        Row("prefill", plan.PrefillBytes, "the prompts' logits and forward temporaries during generation");
        Row("training peak", plan.TrainingPeakBytes, "weights + gradients + optimizer + max(activations, optimizer step, checkpoint)");
        Row("rollout peak", plan.RolloutPeakBytes, "weights + gradients + optimizer + kv cache + prefill");
        Row("total", plan.TotalBytes, "the larger peak");
        output.WriteLine(plan.Fits(budget)
            ? $"fits: {Human(plan.TotalBytes)} of {Human(budget)} ({budgetSource})"
            : $"does NOT fit: {Human(plan.TotalBytes)} > {Human(budget)} ({budgetSource}); try --zero 1, more --ranks, --dtype bf16, a smaller --batch or --activation-checkpointing");
        if (budgetSource != "--gpu-memory")
            output.WriteLine("note: these are live tensor bytes. On CPU, remit keeps freed memory resident for speed (host malloc in " +
                             "`remit info`): measured training peaks ran 1.29x (f32) and 1.46x (bf16) the plan, generation 1.03x; with " +
                             "MALLOC_MMAP_THRESHOLD_=131072 set, training ran within 13% (bench/RESULTS.md).");
    }

    internal static string Human(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):F2} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):F1} MiB",
        >= 1L << 10 => $"{bytes / (double)(1L << 10):F1} KiB",
        _ => $"{bytes} B",
    };
}
