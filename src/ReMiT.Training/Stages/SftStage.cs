using ReMiT.Model;
using ReMiT.Tokenization;
using ReMiT.Training.Data;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using ReMiT.Training.Schedules;

namespace ReMiT.Training.Stages;

/// <summary>Settings of a supervised fine-tuning (warm-up) run.</summary>
public sealed record SftOptions(
    CorpusMixture Corpus, int Documents, int Steps, int BatchSize = 16, int SeqLen = 1024, double Lr = 1e-3,
    int WarmupSteps = 10, double ClipNorm = 1.0, int CheckpointEvery = 50, int LogEvery = 10);

/// <summary>
/// SFT / warm-up (Warm-up, arXiv 2505.13718): distil long chains of thought — e.g. the Knights &amp; Knaves
/// backtracking traces — one document per row, with the prompt masked out of the loss so only the
/// reasoning and the answer are learnt. The same learner loop as pre-training, with a
/// warmup-then-linear-decay schedule so the run ends annealed. Problems in <c>heldOutIds</c> (a run's
/// eval problems) are never trained on.
/// </summary>
public static class SftStage
{
    public static StageOutcome Run(StageContext ctx, string stage, SftOptions options, DecoderModel model, HfTokenizer tokenizer,
                                   string checkpointDir, ulong seed, IReadOnlySet<string>? heldOutIds = null)
    {
        var errors = options.Corpus.Validate().ToList();
        if (options.Documents < 1 || options.Steps < 1) errors.Add($"documents and steps must be >= 1, got {options.Documents} and {options.Steps}.");
        if (errors.Count > 0) throw new ArgumentException($"{stage}: " + string.Join(" ", errors));
        var documents = new DocumentEncoder(tokenizer, maskPrompt: true).EncodeAll(options.Corpus.Generate(options.Documents, seed, heldOutIds));
        int warmup = Math.Min(options.WarmupSteps, options.Steps - 1);
        var schedule = new WarmupStableDecay(options.Lr, warmup, 0, options.Steps - warmup);
        var spec = new TokenStageSpec(stage, options.Steps, schedule.LearningRate, options.ClipNorm, 1,
                                      options.CheckpointEvery, options.LogEvery, new AdamWOptions(WeightDecay: 0.0));
        int pad = SpecialTokenIds.From(tokenizer).Pad;
        return TokenTrainer.Run(ctx, spec, model,
            cursor => new PaddedBatcher(documents, options.BatchSize, options.SeqLen, pad, cursor ?? DataCursor.Start(seed), device: ctx.Device),
            new UniformConfig().Build(), guide: null, checkpointDir);
    }
}
