using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Tasks.Gsm;
using ReMiT.Tokenization;
using ReMiT.Training.Data;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using ReMiT.Training.Reporting;
using ReMiT.Training.Rl;
using ReMiT.Training.Schedules;
using ReMiT.Training.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// Runs one stage at a time for the flywheel: resolves model directories (<c>models/NAME</c>),
/// skips stages whose summary exists, writes the summary when a stage finishes.
/// </summary>
/// <param name="trainingPrompts">Every prompt the models trained on; evaluation never uses one of them.</param>
internal sealed class StageRunner(StageContext ctx, FlywheelConfig config, DecoderConfig modelConfig, HfTokenizer tokenizer,
                                  IReadOnlySet<string> trainingPrompts)
{
    private readonly SpecialTokenIds _special = SpecialTokenIds.From(tokenizer);

    private string ModelDir(string name) => ctx.PathOf("models", name);
    private string CheckpointDir(string stage) => ctx.PathOf("checkpoints", stage.Replace(':', '_'));
    private bool Done(string stage) => File.Exists(StageSummary.PathFor(ctx.RunDirectory, stage));

    /// <summary>Next-token pre-training with warmup then a constant LR; stops where the decay would start.</summary>
    public void Pretrain(string stage, string output, IReadOnlyList<TokenizedDocument> data, ulong seed)
    {
        if (Done(stage)) { ctx.Log.WriteLine($"{stage}: done, skipped"); return; }
        var s = config.Pretrain;
        var schedule = new WarmupStableDecay(s.Lr, s.WarmupSteps, s.StableSteps, DecaySteps: 0);
        using var model = new DecoderModel(modelConfig);
        model.InitializeWeights(unchecked((long)seed));
        model.to(ctx.Device);
        var spec = new TokenStageSpec(stage, schedule.DecayStart, schedule.LearningRate, s.ClipNorm, s.Accumulation,
                                      s.CheckpointEvery, s.LogEvery, new AdamWOptions(WeightDecay: s.WeightDecay));
        Finish(stage, StageKind.Pretrain, output, model, () => TokenTrainer.Run(ctx, spec, model,
            cursor => new PackedBatcher(data, s.BatchSize, s.SeqLen, cursor ?? DataCursor.Start(seed), ctx.Device),
            new UniformConfig().Build(), guide: null, CheckpointDir(stage)));
    }

    /// <summary>The decay phase from a pre-decay model, with a token weighting (and its guide when it needs one).</summary>
    public void MidTrain(string stage, string weighting, string from, string to, string? guide, IReadOnlyList<TokenizedDocument> data, ulong seed)
    {
        if (Done(stage)) { ctx.Log.WriteLine($"{stage}: done, skipped"); return; }
        var s = config.MidTrain;
        // The decay starts at the peak LR the pre-decay checkpoint trained at.
        var schedule = new WarmupStableDecay(config.Pretrain.Lr, 0, 0, s.DecaySteps, s.FinalLrRatio);
        using var model = HfCheckpoint.Load(ModelDir(from), ctx.Device);
        using var scorer = guide is null ? null : new GuideScorer(HfCheckpoint.Load(ModelDir(guide), ctx.Device));
        var spec = new TokenStageSpec(stage, s.DecaySteps, schedule.LearningRate, s.ClipNorm, s.Accumulation,
                                      s.CheckpointEvery, s.LogEvery, new AdamWOptions(WeightDecay: s.WeightDecay));
        Finish(stage, StageKind.Midtrain, to, model, () => TokenTrainer.Run(ctx, spec, model,
            cursor => new PackedBatcher(data, s.BatchSize, s.SeqLen, cursor ?? DataCursor.Start(seed + 2), ctx.Device),
            s.Weighting(weighting).Build(), scorer, CheckpointDir(stage)));
    }

    /// <summary>RLVR with GRPO on GSM problems of the configured ops.</summary>
    public void Rl(string stage, string from, string to, ulong seed)
    {
        if (Done(stage)) { ctx.Log.WriteLine($"{stage}: done, skipped"); return; }
        using var model = HfCheckpoint.Load(ModelDir(from), ctx.Device);
        Finish(stage, StageKind.Rl, to, model, () => GrpoStage.Run(ctx, stage, config.Rl, model, tokenizer, CheckpointDir(stage), seed));
    }

    /// <summary>Greedy pass@1 and sampled pass@k per op and split; rows go to results.json.</summary>
    public void Evaluate(string name, ulong seed)
    {
        string stage = $"eval:{name}";
        if (Done(stage)) { ctx.Log.WriteLine($"{stage}: done, skipped"); return; }
        var e = config.Eval;
        var started = DateTimeOffset.UtcNow;
        using var model = HfCheckpoint.Load(ModelDir(name), ctx.Device);
        var generator = new RolloutGenerator(tokenizer, e.MaxNewTokens, e.Temperature, e.Samples);
        // Eval problems come from a seed stream disjoint from every training stream.
        var set = EvalSet.Gsm(GsmOpRange.Parse(e.Ops), e.PerOp, seed + 1_000_003, excludePrompts: trainingPrompts);
        var splits = new Dictionary<string, (int, int)>
        {
            ["id"] = Range(e.IdOps), ["edge"] = Range(e.EdgeOps), ["hard"] = Range(e.HardOps),
        };
        var rows = new Evaluator(generator, e.Samples, e.Temperature).Evaluate(name, model, set, splits, unchecked((long)seed), ctx.Log);
        ResultsFile.AddRows(ctx.RunDirectory, rows);
        var finished = DateTimeOffset.UtcNow;
        new StageSummary(stage, StageKind.Eval, $"models/{name}", started, finished, (finished - started).TotalSeconds, 0, 0, null, []).Save(ctx.RunDirectory);
    }

    private static (int, int) Range(string ops)
    {
        var r = GsmOpRange.Parse(ops);
        return (r.Min, r.Max);
    }

    // Runs the stage, saves its model (with the tokenizer, so the directory works with `remit generate`) and its summary.
    private void Finish(string stage, StageKind kind, string output, DecoderModel model, Func<StageOutcome> body)
    {
        var started = DateTimeOffset.UtcNow;
        StageOutcome outcome = body();
        string dir = ModelDir(output);
        HfCheckpoint.Save(model, dir);
        tokenizer.Save(Path.Combine(dir, HfCheckpoint.TokenizerFile));
        var finished = DateTimeOffset.UtcNow;
        new StageSummary(stage, kind, $"models/{output}", started, finished, outcome.Seconds, outcome.Steps, outcome.Tokens,
                         double.IsNaN(outcome.FinalLoss) ? null : outcome.FinalLoss,
                         outcome.Extra?.ToDictionary() ?? []).Save(ctx.RunDirectory);
        ctx.Log.WriteLine($"{stage}: {outcome.Steps} steps, {outcome.Tokens:N0} tokens, {outcome.Seconds:F0} s → {dir}");
    }
}
