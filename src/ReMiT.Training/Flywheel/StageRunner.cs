using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Tasks.Gsm;
using ReMiT.Tokenization;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Data;
using ReMiT.Training.Distributed;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using ReMiT.Training.Reporting;
using ReMiT.Training.Schedules;
using ReMiT.Training.Stages;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// The flywheel's stage components, each with explicit inputs (model directories <c>models/NAME</c>,
/// the run's config) and outputs (a model directory, a stage summary, metric series). Cluster
/// workers call them: learners run the training stages, rollout nodes the evaluation. A stage whose
/// summary exists is done; an interrupted one continues from its last checkpoint.
/// </summary>
/// <param name="collective">Data-parallel learner ranks (null: one process).</param>
public sealed class StageRunner(RunContext run, StageContext ctx, ICollective? collective = null)
{
    private readonly SpecialTokenIds _special = SpecialTokenIds.From(run.Tokenizer);

    // Names may come from a cluster message: checked to stay inside the run directory.
    public string ModelDir(string name) => ctx.PathOf("models", RunPaths.ModelName(name));
    public string CheckpointDir(string stage) => ctx.PathOf("checkpoints", RunPaths.StageName(stage).Replace(':', '_'));
    public bool Done(string stage) => IsDone(ctx.RunDirectory, stage);

    /// <summary>Called with a stage's model folder once it is written, before the stage counts as done (e.g. to seal it with hashes).</summary>
    public Action<string>? OnModelSaved { get; init; }

    /// <summary>The device's measured matmul FLOP/s (0: unknown); token stages then log MFU.</summary>
    public double PeakFlops { get; init; }

    /// <summary>Whether a stage of the run in <paramref name="runDirectory"/> finished (its summary exists).</summary>
    public static bool IsDone(string runDirectory, string stage) => File.Exists(StageSummary.PathFor(runDirectory, stage));

    /// <summary>Next-token pre-training with warmup then a constant LR; stops where the decay would start.</summary>
    public void Pretrain(PlannedStage stage)
    {
        var s = run.Config.Pretrain;
        var schedule = new WarmupStableDecay(s.Lr, s.WarmupSteps, s.StableSteps, DecaySteps: 0);
        using var model = new DecoderModel(run.ModelConfig);
        model.InitializeWeights(unchecked((long)run.Seed));
        model.to(ctx.Device);
        var spec = new TokenStageSpec(stage.Name, schedule.DecayStart, schedule.LearningRate, s.ClipNorm, s.Accumulation,
                                      s.CheckpointEvery, s.LogEvery, new AdamWOptions(WeightDecay: s.WeightDecay),
                                      Benchmarks.ModelFlops.PerToken(run.ModelConfig, s.SeqLen), PeakFlops, Zero: run.Config.Learner.Zero);
        Finish(stage, StageKind.Pretrain, model, () => TokenTrainer.Run(ctx, spec, model,
            cursor => new PackedBatcher(run.PretrainData, s.BatchSize, s.SeqLen, cursor ?? DataCursor.Start(run.Seed), ctx.Device),
            new UniformConfig().Build(), guide: null, CheckpointDir(stage.Name), collective),
            // Mid-training continues this run: its optimizer state at the start of the decay stays beside the model.
            besideModel: dir => ContinuationState.Keep(CheckpointDir(stage.Name), dir));
    }

    /// <summary>
    /// Mid-training from a pre-decay model with a token weighting (<see cref="MidTrainStage"/>). A weighting that
    /// needs the guide's token log-probs gets them from <paramref name="remoteGuide"/> (a guide node scoring ahead)
    /// when given; the full-distribution KD guide is too large to ship and always runs in the learner.
    /// </summary>
    public void MidTrain(PlannedStage stage, PrefetchingGuideBatcher.ScoreBatch? remoteGuide = null, int prefetch = 2)
    {
        var s = run.Config.MidTrain;
        var weighting = s.Weighting(stage.Weighting).Build();
        bool remote = remoteGuide is not null && weighting.Need == GuideNeed.TokenLogProbs;
        using var model = HfCheckpoint.Load(ModelDir(stage.From), ctx.Device);
        using IGuide? guide = stage.Guide is null || weighting.Need == GuideNeed.None ? null
            : remote ? new RemoteGuide(remoteGuide!, prefetch, ctx.Device, ctx.Cancellation)
            : new LocalGuide(new GuideScorer(HfCheckpoint.Load(ModelDir(stage.Guide), ctx.Device)));
        // Every arm reads the same data order; a remote guide's batches are kept on the host until scored.
        var dataDevice = remote ? CPU : ctx.Device;
        Finish(stage, StageKind.Midtrain, model, () => MidTrainStage.Run(ctx, stage.Name, s, run.Config.Pretrain.Lr, model, ModelDir(stage.From),
            cursor => new PackedBatcher(run.MidTrainData, s.BatchSize, s.SeqLen, cursor ?? DataCursor.Start(run.Seed + 2), dataDevice),
            weighting, guide, CheckpointDir(stage.Name), collective, Benchmarks.ModelFlops.PerToken(run.ModelConfig, s.SeqLen), PeakFlops,
            run.Config.Learner.Zero));
    }

    /// <summary>Supervised warm-up (e.g. K&amp;K backtracking traces) from model <c>From</c>, prompt tokens masked out of the loss.</summary>
    public void Sft(PlannedStage stage)
    {
        using var model = HfCheckpoint.Load(ModelDir(stage.From), ctx.Device);
        Finish(stage, StageKind.Sft, model, () => SftStage.Run(ctx, stage.Name, run.Config.Sft.Options(), model, run.Tokenizer, CheckpointDir(stage.Name), run.Seed + 3, run.HeldOutProblemIds));
    }

    /// <summary>
    /// RLVR with GRPO; the steps' verified rollouts come from <paramref name="source"/>. With rl.ops = auto the
    /// lead rank first measures the starting model (<see cref="RlCalibration"/>; kept across a resume). With
    /// rl.kl_beta &gt; 0 every rank also loads the starting model, frozen, as the KL reference (also on a resume).
    /// </summary>
    public void Rl(PlannedStage stage, IRlStepSource source)
    {
        using var model = HfCheckpoint.Load(ModelDir(stage.From), ctx.Device);
        if (run.Config.Rl.MeasuresOps() && DataParallel.IsLead(collective) && RlCalibration.TryRead(run.RunDirectory, stage.Name) is null)
            RlCalibration.Measure(stage.Name, stage.From, model, run, ctx.Log).Save(run.RunDirectory); // before the first policy is published
        using var reference = ReferencePolicy.LoadIfNeeded(run.Config.Rl, ModelDir(stage.From), ctx.Device);
        Finish(stage, StageKind.Rl, model, () => GrpoStage.Run(ctx, stage.Name, run.Config.Rl, model, _special.Pad, CheckpointDir(stage.Name), source, collective, reference,
                                                                  run.Config.Learner.Zero));
    }

    /// <summary>
    /// Evaluates a trained model on the run's reported eval set (eval.split), writes its per-problem
    /// records to <c>eval/&lt;name&gt;.jsonl</c> and returns the rows computed from that file.
    /// </summary>
    public IReadOnlyList<ResultRow> Evaluate(string name)
    {
        var e = run.Config.Eval;
        using var model = HfCheckpoint.Load(ModelDir(name), ctx.Device);
        var generator = new RolloutGenerator(run.Tokenizer, e.MaxNewTokens, e.Temperature, e.Samples);
        var records = new Evaluator(generator, e.Samples, e.Temperature).Evaluate(name, model, run.EvalSets.Reported, unchecked((long)run.Seed), ctx.Log);
        string path = EvalRecordsFile.PathFor(ctx.RunDirectory, name);
        EvalRecordsFile.Write(path, records);
        return EvalRows.From(name, EvalRecordsFile.Read(path));
    }

    /// <summary>
    /// Records an evaluation (its rows in results.json, with the eval split its records name, then its
    /// summary: the order a resume relies on).
    /// </summary>
    public static void RecordEvaluation(string runDirectory, string name, IReadOnlyList<ResultRow> rows, DateTimeOffset started)
    {
        ResultsFile.AddRows(runDirectory, rows, EvalRecordsFile.EvalSplitOf(runDirectory, name));
        var finished = DateTimeOffset.UtcNow;
        new StageSummary($"eval:{name}", StageKind.Eval, $"models/{name}", started, finished, (finished - started).TotalSeconds, 0, 0, null, []).Save(runDirectory);
    }

    /// <summary>Writes a stage's model in Hugging Face layout, split into shards past the config's <c>max_shard_size</c>.</summary>
    internal static void SaveModel(DecoderModel model, string directory, FlywheelConfig config) =>
        HfCheckpoint.Save(model, directory, maxShardBytes: ShardSize.Parse(config.MaxShardSize));

    // Runs the stage, saves its model (with the tokenizer, so the directory works with `remit generate`) and its summary.
    // besideModel: writes more into the model folder before it is sealed (e.g. the optimizer state a later stage continues).
    private void Finish(PlannedStage stage, StageKind kind, DecoderModel model, Func<StageOutcome> body, Action<string>? besideModel = null)
    {
        var started = DateTimeOffset.UtcNow;
        // Every training stage's model passes here; the switch only acts on its training forwards
        // (autograd on, no KV cache), so rollouts, guide scoring and evaluation are unaffected.
        run.Config.Train.ApplyTo(model);
        StageOutcome outcome = body();
        if (!DataParallel.IsLead(collective)) return; // ranks hold identical weights: rank 0 writes them
        string dir = ModelDir(stage.To);
        SaveModel(model, dir, run.Config);
        run.Tokenizer.Save(Path.Combine(dir, HfCheckpoint.TokenizerFile));
        besideModel?.Invoke(dir);
        OnModelSaved?.Invoke(dir);
        var finished = DateTimeOffset.UtcNow;
        new StageSummary(stage.Name, kind, $"models/{stage.To}", started, finished, outcome.Seconds, outcome.Steps, outcome.Tokens,
                         double.IsNaN(outcome.FinalLoss) ? null : outcome.FinalLoss,
                         outcome.Extra?.ToDictionary() ?? []).Save(ctx.RunDirectory);
        ctx.Log.WriteLine($"{stage.Name}: {outcome.Steps} steps, {outcome.Tokens:N0} tokens, {outcome.Seconds:F0} s → {dir}");
    }
}
