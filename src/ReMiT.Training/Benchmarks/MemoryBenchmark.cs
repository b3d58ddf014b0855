using ReMiT.Model;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using ReMiT.Training.Planning;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Benchmarks;

/// <summary>What one phase measured, next to what <see cref="MemoryPlanner"/> planned for it.</summary>
/// <param name="Phase">"train" (optimizer steps) or "rollout" (one generation batch).</param>
/// <param name="MeasuredBytes">Peak resident memory of the phase above the process's resident memory before the model was built.</param>
/// <param name="PlannedBytes">The plan's peak for that phase: TrainingPeakBytes, or for a rollout the weights, KV cache and prefill logits.</param>
/// <param name="PeakWasReset">False where the kernel would not reset VmHWM: the peak then also covers the warm-up model.</param>
public sealed record MemoryBenchmarkResult(string Phase, long MeasuredBytes, long PlannedBytes, bool PeakWasReset, MemoryPlan Plan)
{
    /// <summary>Measured / planned: 1.15 means the plan is 15% short.</summary>
    public double Ratio => (double)MeasuredBytes / PlannedBytes;
}

/// <summary>
/// Checks <see cref="MemoryPlanner"/> against this process's resident memory (CPU, one rank, ZeRO 0): builds the
/// model and optimizer, then runs what a learner runs (forward, the uniform token loss, backward, gradient gather,
/// AdamW step; two steps, so the second runs with the gradients the first left allocated), or one generation
/// batch. Run it in a fresh process: memory freed earlier in the same process is reused without showing up
/// as resident growth, so it would hide part of the peak.
/// </summary>
public static class MemoryBenchmark
{
    public static MemoryBenchmarkResult Train(DecoderConfig config, int batch, int seqLen, ScalarType dtype, int steps = 2)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "need at least one step.");
        var plan = MemoryPlanner.Plan(Request(config, dtype) with { Batch = batch, SeqLen = seqLen });
        bool reset = Baseline(out long before);
        {
            using var model = new DecoderModel(config);
            model.InitializeWeights(seed: 0);
            model.to(dtype);
            model.train();
            using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
            var weighting = new UniformWeighting();
            var generator = new Generator(0, CPU);
            for (int step = 0; step < steps; step++)
            {
                // One scope per step, as TokenTrainer: the logits live until the optimizer step is done.
                using var scope = NewDisposeScope();
                var tokens = randint(0, config.VocabSize, [batch, seqLen + 1], dtype: ScalarType.Int64, generator: generator);
                var logits = model.Forward(tokens[.., ..^1]);                                  // (B, T, V)
                var result = weighting.Loss(logits, tokens[.., 1..], ones(batch, seqLen), guide: null);
                result.Loss.backward();
                optimizer.GatherGradients();
                optimizer.Step(lr: 1e-3, maxNorm: 1.0);
            }
        }
        long measured = ResidentMemory.PeakBytes() - before;
        return new MemoryBenchmarkResult("train", measured, plan.TrainingPeakBytes, reset, plan);
    }

    /// <summary>One generation batch of <paramref name="rolloutBatch"/> sequences (prompts × group size) from random prompts.</summary>
    public static MemoryBenchmarkResult Rollout(DecoderConfig config, int rolloutBatch, int groupSize, int promptLen, int maxNewTokens, ScalarType dtype)
    {
        var plan = MemoryPlanner.Plan(Request(config, dtype) with
        {
            Batch = 1, SeqLen = 1, RolloutBatch = rolloutBatch, GroupSize = groupSize, PromptLen = promptLen, MaxNewTokens = maxNewTokens,
        });
        bool reset = Baseline(out long before);
        {
            using var model = new DecoderModel(config);
            model.InitializeWeights(seed: 0);
            model.to(dtype);
            model.eval();
            var rng = new Random(0);
            int prompts = (rolloutBatch + groupSize - 1) / groupSize;
            var batch = Enumerable.Range(0, prompts)
                .Select(_ => Enumerable.Range(0, promptLen).Select(_ => rng.Next(config.VocabSize)).ToArray()).ToArray();
            using var noGrad = no_grad();
            GenerationEngine.Generate(model, batch, new GenerationOptions(maxNewTokens, new SamplingOptions(1.0), SamplesPerPrompt: groupSize));
        }
        long measured = ResidentMemory.PeakBytes() - before;
        // A rollout-only process holds no gradients or optimizer: its peak is the weights, the cache and the prefill.
        long planned = plan.WeightsBytes + plan.KvCacheBytes + plan.PrefillBytes;
        return new MemoryBenchmarkResult("rollout", measured, planned, reset, plan);
    }

    private static MemoryPlanRequest Request(DecoderConfig config, ScalarType dtype)
    {
        if (dtype is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentException($"the memory plan covers float32 and bfloat16 models, got {dtype}.", nameof(dtype));
        return new MemoryPlanRequest { Model = config, Bfloat16 = dtype == ScalarType.BFloat16, PromptLen = 1 };
    }

    /// <summary>
    /// Warms LibTorch up on a throwaway model (kernels, thread pools and the allocator's first arenas are then
    /// already resident), then takes the resident size and resets the peak to it.
    /// </summary>
    private static bool Baseline(out long residentBefore)
    {
        var tiny = ModelPresets.Get("smoke").Config;
        using (var model = new DecoderModel(tiny))
        {
            using var scope = NewDisposeScope();
            using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
            var tokens = randint(0, tiny.VocabSize, [2, 9], dtype: ScalarType.Int64);
            var result = new UniformWeighting().Loss(model.Forward(tokens[.., ..^1]), tokens[.., 1..], ones(2, 8), guide: null);
            result.Loss.backward();
            optimizer.GatherGradients();
            optimizer.Step(lr: 1e-3, maxNorm: 1.0);
            model.eval();
            using var noGrad = no_grad();
            GenerationEngine.Generate(model, [[1, 2, 3]], new GenerationOptions(2, new SamplingOptions(1.0), SamplesPerPrompt: 2));
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        residentBefore = ResidentMemory.CurrentBytes();
        return ResidentMemory.ResetPeak();
    }
}
