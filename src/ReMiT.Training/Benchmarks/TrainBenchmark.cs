using System.Diagnostics;
using ReMiT.Model;
using ReMiT.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Benchmarks;

/// <summary>One benchmark result, printed as a JSON line.</summary>
public sealed record TrainBenchmarkResult(
    string Preset, string Device, string Dtype, long Params, long FlopParams, int NLayers, int DModel, int SeqLen, int BatchSize,
    int Steps, double Seconds, double TokensPerS, double FlopsPerToken, double MatmulPeakFlops, double Mfu, double FinalLoss,
    bool ActivationCheckpointing, long PeakResidentBytes);

/// <summary>
/// Optimizer steps of a preset's model on random tokens: forward, cross-entropy, backward, gradient
/// clipping, AdamW (<see cref="FlatAdamW"/>) — the same work a learner does per step, without data loading.
/// FLOPs per token = 6·N + 12·L·d·T (N excludes the input embedding lookup, which is no matmul;
/// a tied head's matmul is counted). Peak resident memory is the process's high-water mark (VmHWM on Linux),
/// read before the matmul measurement, so it compares runs of one preset and shape (e.g. with and without
/// activation checkpointing, in separate processes).
/// </summary>
public static class TrainBenchmark
{
    public static TrainBenchmarkResult Run(ModelPreset preset, int steps, Device device, ScalarType dtype,
                                           int? batchSize = null, int? seqLen = null, int warmupSteps = 2, Action<string>? log = null,
                                           bool activationCheckpointing = false)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "need at least one timed step.");
        var config = preset.Config;
        int b = batchSize ?? preset.BatchSize, t = seqLen ?? preset.SeqLen;
        if (t > config.MaxPositionEmbeddings)
            throw new ArgumentException($"sequence length {t} exceeds the preset's max_position_embeddings {config.MaxPositionEmbeddings}.");

        random.manual_seed(0);
        using var model = new DecoderModel(config);
        model.InitializeWeights(seed: 0);
        model.to(device, dtype);
        model.train();
        model.ActivationCheckpointing = activationCheckpointing;
        // float32 masters and moments in flat buffers; with --dtype bfloat16 the model holds rounded copies
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        var generator = new Generator(0, device);
        double finalLoss = double.NaN;

        double seconds = 0;
        for (int step = 0; step < warmupSteps + steps; step++)
        {
            using var scope = NewDisposeScope();
            var tokens = randint(0, config.VocabSize, [b, t + 1], dtype: ScalarType.Int64, device: device, generator: generator);
            var inputs = tokens[.., ..^1];
            var targets = tokens[.., 1..];
            MatmulPeak.Synchronize(device);
            var clock = Stopwatch.StartNew();

            var logits = model.Forward(inputs);                                            // (B, T, V)
            var loss = nn.functional.cross_entropy(logits.view(-1, config.VocabSize).to(ScalarType.Float32), targets.reshape(-1));
            loss.backward();
            optimizer.GatherGradients();
            optimizer.Step(lr: 1e-3, maxNorm: 1.0);

            MatmulPeak.Synchronize(device);
            if (step >= warmupSteps) seconds += clock.Elapsed.TotalSeconds;
            if (step == warmupSteps + steps - 1) finalLoss = loss.item<float>(); // .item() syncs: once, at the end
            log?.Invoke($"step {step + 1}/{warmupSteps + steps}{(step < warmupSteps ? " (warmup)" : "")}: {clock.Elapsed.TotalMilliseconds:F0} ms");
        }

        using var self = Process.GetCurrentProcess();
        long peakResident = self.PeakWorkingSet64;
        long n = config.ParameterCount();
        long flopParams = n - (config.TieWordEmbeddings ? 0 : (long)config.VocabSize * config.HiddenSize);
        double flopsPerToken = ModelFlops.PerToken(config, t);
        double tokensPerS = (double)b * t * steps / seconds;
        double peak = MatmulPeak.Measure(device, dtype);
        return new TrainBenchmarkResult(preset.Name, device.ToString(), dtype.ToString(), n, flopParams, config.NumHiddenLayers,
            config.HiddenSize, t, b, steps, seconds, tokensPerS, flopsPerToken, peak, tokensPerS * flopsPerToken / peak, finalLoss,
            activationCheckpointing, peakResident);
    }
}
