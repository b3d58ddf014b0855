using System.Diagnostics;
using ReMiT.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Benchmarks;

public sealed record GenerateBenchmarkResult(
    string Preset, string Device, string Dtype, long Params, int Prompts, int PromptLen, int NewTokens,
    double Seconds, double NewTokensPerS);

/// <summary>Batched sampling throughput: P random prompts, a fixed number of new tokens each (no stop tokens).</summary>
public static class GenerateBenchmark
{
    public static GenerateBenchmarkResult Run(ModelPreset preset, Device device, ScalarType dtype,
                                              int prompts = 64, int promptLen = 64, int newTokens = 256, int repeats = 1)
    {
        var config = preset.Config;
        using var model = new DecoderModel(config);
        model.InitializeWeights(seed: 0);
        model.to(device, dtype);
        var rng = new Random(0);
        var batch = Enumerable.Range(0, prompts)
            .Select(_ => Enumerable.Range(0, promptLen).Select(_ => rng.Next(config.VocabSize)).ToArray()).ToArray();
        var options = new GenerationOptions(newTokens, new SamplingOptions(1.0), Seed: 0);
        GenerationEngine.Generate(model, batch.Take(2).ToArray(), options with { MaxNewTokens = 4 }); // warm up
        double best = double.MaxValue;
        for (int i = 0; i < repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            GenerationEngine.Generate(model, batch, options);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return new GenerateBenchmarkResult(preset.Name, device.ToString(), dtype.ToString(), config.ParameterCount(),
            prompts, promptLen, newTokens, best, (double)prompts * newTokens / best);
    }
}
