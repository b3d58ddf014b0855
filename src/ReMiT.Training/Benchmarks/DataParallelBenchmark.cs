using ReMiT.Model;
using ReMiT.Tasks;
using ReMiT.Training.Data;
using ReMiT.Training.Distributed;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using ReMiT.Training.Reporting;
using ReMiT.Training.Rl;
using ReMiT.Training.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Benchmarks;

/// <summary>What <see cref="DataParallelBenchmark"/> trains; the global batch is the same whatever the rank count.</summary>
/// <param name="BatchSize">Rows per global micro-batch (token stages), or prompts per step (GRPO, 4 rollouts each).</param>
/// <param name="Weighting">"uniform" (pre-training) or "remit" (mid-training with a guide model); ignored for GRPO.</param>
/// <param name="Zero">ZeRO stage of the optimizer over the ranks (0 or 1, <see cref="FlatAdamW"/>); the weights must not depend on it.</param>
/// <param name="Dtype">The model's (and the guide's) dtype: float32 or bfloat16 (the optimizer is float32 either way).</param>
/// <param name="KeepTensors">Whether the result carries float32 copies of the final weights (and GRPO's gradient): what the
/// exactness checks compare, and 4 bytes per parameter (8 for GRPO) that a memory measurement at size cannot spare. The
/// same on every rank (the gradient's gather is collective under ZeRO-1).</param>
public sealed record DataParallelBenchmarkOptions(
    ModelPreset Preset, int Steps = 4, int BatchSize = 8, int SeqLen = 64, int Accumulation = 2,
    string Weighting = "uniform", bool Grpo = false, ulong Seed = 0, Device? Device = null,
    LossNormalization GrpoNormalization = LossNormalization.Token, int Zero = 0, ScalarType Dtype = ScalarType.Float32,
    bool KeepTensors = true);

/// <summary>
/// What a run ended with. <paramref name="Tensors"/> holds the final float32 parameters by name and,
/// for GRPO, the last averaged gradient as <c>optimizer.gradient</c> (unclipped, so its scale shows).
/// </summary>
public sealed record DataParallelBenchmarkResult(
    int Ranks, int Steps, long Tokens, double Seconds, double FinalLoss, IReadOnlyDictionary<string, Tensor> Tensors) : IDisposable
{
    public double TokensPerS => Tokens / Math.Max(Seconds, 1e-9);

    /// <summary>
    /// Each rank's peak resident memory during training above its size before the model was built, in MB (10⁶ bytes;
    /// Linux VmHWM after a reset, so NaN elsewhere), read before the result's tensor copies are made: what ZeRO-1
    /// saves per rank shows here, and what <c>remit plan</c> predicts is compared with it.
    /// </summary>
    public IReadOnlyList<double> PeakResidentMbPerRank { get; init; } = [];

    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}

/// <summary>
/// Data-parallel training of a preset's model from a fixed seed, through the real loops
/// (<see cref="TokenTrainer"/>, <see cref="GrpoLearner"/>). Any rank count must end with the weights one
/// process ends with: documents have random lengths, so the ranks' token counts differ and only
/// global normalisation gets it right; each rank initialises from its own seed, so only the
/// broadcast of rank 0's weights makes them start equal.
/// <para>
/// AdamW's ε is 1e-6, not 1e-8: at step 1 Adam moves every weight by about lr·sign(g), so a
/// gradient entry within rounding noise of 0 (summation order differs with the rank count) can move
/// its weight by up to lr either way. A larger ε damps those entries and leaves the rest unchanged,
/// so a comparison of weights sees data-parallel errors rather than Adam amplifying float noise.
/// </para>
/// </summary>
public static class DataParallelBenchmark
{
    private const int GroupSize = 4;
    private const double LearningRate = 1e-3;
    private static readonly AdamWOptions Adam = new(Eps: 1e-6);

    public static DataParallelBenchmarkResult Run(DataParallelBenchmarkOptions options, ICollective? collective, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.Steps);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SeqLen, 4);
        var config = options.Preset.Config;
        if (options.SeqLen > config.MaxPositionEmbeddings)
            throw new ArgumentException($"sequence length {options.SeqLen} exceeds the preset's max_position_embeddings {config.MaxPositionEmbeddings}.");
        var device = options.Device ?? CPU;
        if (options.Dtype is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentException($"the benchmark trains float32 or bfloat16 models, got {options.Dtype}.", nameof(options));
        string scratch = Directory.CreateTempSubdirectory("remit-bench-dp-").FullName;
        try
        {
            bool linux = OperatingSystem.IsLinux();
            long before = linux ? ResidentMemory.CurrentBytes() : 0;
            linux = linux && ResidentMemory.ResetPeak();
            using var model = new DecoderModel(config);
            model.InitializeWeights(unchecked((long)options.Seed) + (collective?.Rank ?? 0));
            model.to(options.Dtype).to(device);
            var lead = DataParallel.IsLead(collective) ? log : TextWriter.Null;
            // Every rank fills its own slot; the sum over ranks is then the list (one all-reduce, the same on every rank).
            var peaks = new float[collective?.Size ?? 1];
            var result = options.Grpo
                ? Grpo(options, model, collective, lead, ReadPeak)
                : Tokens(options, model, collective, lead, scratch, ReadPeak);
            if (DataParallel.IsDistributed(collective)) collective.AllReduceSum(peaks);
            return result with { PeakResidentMbPerRank = [.. peaks.Select(p => (double)p)] };

            void ReadPeak() => peaks[collective?.Rank ?? 0] = linux ? (ResidentMemory.PeakBytes() - before) / 1e6f : float.NaN;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static DataParallelBenchmarkResult Tokens(DataParallelBenchmarkOptions o, DecoderModel model, ICollective? collective, TextWriter log, string scratch,
                                                      Action readPeak)
    {
        var config = o.Preset.Config;
        var device = o.Device ?? CPU;
        ITokenWeighting weighting = o.Weighting switch
        {
            "uniform" => new UniformConfig().Build(),
            "remit" => new ReMiTConfig().Build(),
            _ => throw new ArgumentException($"weighting '{o.Weighting}' is not benchmarked; use uniform or remit.", nameof(o)),
        };
        using IGuide? guide = weighting.Need == GuideNeed.None ? null : new LocalGuide(new GuideScorer(Guide(config, o.Seed, o.Dtype, device)));
        var documents = Documents(config.VocabSize, o.SeqLen, 4 * o.BatchSize * o.Accumulation, o.Seed);
        using var metrics = new MetricsLog(Path.Combine(scratch, MetricsLog.FileName));
        var ctx = new StageContext(scratch, device, metrics, log, CancellationToken.None);
        var spec = new TokenStageSpec($"bench:dp:{o.Weighting}", o.Steps, _ => LearningRate, ClipNorm: 1.0, o.Accumulation,
                                      CheckpointEvery: o.Steps, LogEvery: Math.Max(1, o.Steps / 10), Adam, Zero: o.Zero);
        var outcome = TokenTrainer.Run(ctx, spec, model,
            cursor => new PaddedBatcher(documents, o.BatchSize, o.SeqLen, padId: 0, cursor ?? DataCursor.Start(o.Seed), device: device),
            weighting, guide, Path.Combine(scratch, "checkpoint"), collective);
        readPeak();
        return new DataParallelBenchmarkResult(collective?.Size ?? 1, outcome.Steps, outcome.Tokens, outcome.Seconds, outcome.FinalLoss,
                                               o.KeepTensors ? Parameters(model) : []);
    }

    private static DataParallelBenchmarkResult Grpo(DataParallelBenchmarkOptions o, DecoderModel model, ICollective? collective, TextWriter log,
                                                    Action readPeak)
    {
        using var optimizer = new FlatAdamW(model.named_parameters(), Adam, collective, o.Zero);
        DataParallel.BroadcastMaster(optimizer, collective);
        var learner = new GrpoLearner(model, optimizer, new GrpoLearnerOptions(
            GroupSize, Temperature: 1.0, AdvantageMode.Grpo, new GrpoLossConfig(Normalization: o.GrpoNormalization), DynamicSampling: true, MaxNewTokens: o.SeqLen,
            OverlongBuffer: 0, MaxStaleness: 0, ClipNorm: 0, MicroBatchRows: 4), padId: 0, collective);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long tokens = 0;
        double loss = double.NaN;
        for (int step = 0; step < o.Steps; step++)
        {
            var rollouts = Rollouts(o.Preset.Config.VocabSize, o.BatchSize, o.SeqLen, SplitMix64.Derive(o.Seed, (ulong)step), step);
            var stats = learner.Step(rollouts, currentVersion: step, LearningRate);
            tokens += rollouts.Sum(r => (long)(r.PromptIds.Length + r.CompletionIds.Length));
            loss = stats.Loss;
            log.WriteLine($"bench:dp:grpo step {step + 1}/{o.Steps} | loss {stats.Loss:F6} | clip {stats.ClipFraction:F4} | kept groups {stats.KeptGroups}");
        }
        double seconds = clock.Elapsed.TotalSeconds;
        readPeak();
        var tensors = new Dictionary<string, Tensor>();
        if (o.KeepTensors)
        {
            tensors = Parameters(model);
            using var gradient = optimizer.GatherGradient(); // collective under ZeRO-1: every rank gathers
            tensors["optimizer.gradient"] = gradient.detach().cpu().clone();
        }
        return new DataParallelBenchmarkResult(collective?.Size ?? 1, o.Steps, tokens, seconds, loss, tensors);
    }

    private static DecoderModel Guide(DecoderConfig config, ulong seed, ScalarType dtype, Device device)
    {
        var guide = new DecoderModel(config);
        guide.InitializeWeights(unchecked((long)seed) + 1000); // the same frozen guide on every rank
        guide.to(dtype).to(device);
        return guide;
    }

    // Random token documents of random lengths (BOS-like first token unmasked).
    private static List<TokenizedDocument> Documents(int vocab, int seqLen, int count, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var documents = new List<TokenizedDocument>(count);
        for (int d = 0; d < count; d++)
        {
            int[] ids = RandomIds(rng, vocab, rng.NextInt(seqLen / 4 + 2, seqLen + 1));
            var mask = new float[ids.Length];
            Array.Fill(mask, 1f);
            mask[0] = 0f;
            documents.Add(new TokenizedDocument(ids, mask));
        }
        return documents;
    }

    // Groups of GroupSize completions per prompt; behaviour log-probs near a fresh model's uniform
    // −ln V, so importance ratios sit around 1 and a share of tokens gets clipped.
    private static List<Rollout> Rollouts(int vocab, int prompts, int seqLen, ulong seed, int version)
    {
        var rng = new SplitMix64(seed);
        var rollouts = new List<Rollout>(prompts * GroupSize);
        for (int g = 0; g < prompts; g++)
        {
            int[] prompt = RandomIds(rng, vocab, rng.NextInt(2, Math.Max(2, seqLen / 4)));
            for (int i = 0; i < GroupSize; i++)
            {
                int[] completion = RandomIds(rng, vocab, rng.NextInt(1, seqLen - prompt.Length));
                float[] behaviour = completion.Select(_ => (float)(-Math.Log(vocab) + 0.6 * (rng.NextDouble() - 0.5))).ToArray();
                bool correct = rng.Chance(0.5);
                rollouts.Add(new Rollout(g, prompt, completion, behaviour, version, Stopped: true) { Reward = correct ? 1 : 0, Correct = correct });
            }
        }
        return rollouts;
    }

    private static int[] RandomIds(SplitMix64 rng, int vocab, int length) =>
        Enumerable.Range(0, length).Select(_ => rng.NextInt(1, vocab - 1)).ToArray();

    private static Dictionary<string, Tensor> Parameters(DecoderModel model) =>
        model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().to(ScalarType.Float32).cpu().clone());
}
