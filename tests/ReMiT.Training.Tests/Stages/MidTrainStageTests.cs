using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Tasks;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Data;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using ReMiT.Training.Reporting;
using ReMiT.Training.Schedules;
using ReMiT.Training.Stages;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Stages;

/// <summary>
/// Mid-training as the decay of one warmup–stable–decay run: a small model pre-trained at a constant
/// LR on a noisy Markov chain, its optimizer state kept beside the pre-decay model, then decayed.
/// </summary>
public sealed class MidTrainStageTests : IClassFixture<MidTrainStageTests.PreDecayRun>, IDisposable
{
    private const int Vocab = 32, SeqLen = 32, Batch = 8, PretrainSteps = 80;
    private const double PeakLr = 1e-2;
    private static readonly DecoderConfig Config = ModelPresets.Get("smoke").Config with { VocabSize = Vocab, NumHiddenLayers = 1 };
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-mid-{Guid.NewGuid():N}");
    private readonly MetricsLog _metrics;
    private readonly StageContext _ctx;
    private readonly string _modelDir;

    public MidTrainStageTests(PreDecayRun pre)
    {
        _metrics = new MetricsLog(Path.Combine(_dir, MetricsLog.FileName));
        _ctx = new StageContext(_dir, CPU, _metrics, TextWriter.Null, CancellationToken.None);
        _modelDir = pre.ModelDir;
    }

    public void Dispose()
    {
        _metrics.Dispose();
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>One pre-training to the start of the decay, shared by the tests (each reads it, none writes it).</summary>
    public sealed class PreDecayRun : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-predecay-{Guid.NewGuid():N}");

        public PreDecayRun()
        {
            using var metrics = new MetricsLog(Path.Combine(_dir, MetricsLog.FileName));
            PretrainToDecayStart(new StageContext(_dir, CPU, metrics, TextWriter.Null, CancellationToken.None), ModelDir);
        }

        public string ModelDir => Path.Combine(_dir, "models", "base");

        public void Dispose()
        {
            if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
        }
    }

    // Token t+1 is (3t + 1) mod V with probability 0.6, else uniform: learnable, with an irreducible loss that a
    // constant LR hovers above and a decay settles towards.
    private static List<TokenizedDocument> Markov(int count, ulong seed)
    {
        var rng = new SplitMix64(seed);
        var documents = new List<TokenizedDocument>(count);
        for (int d = 0; d < count; d++)
        {
            var ids = new int[SeqLen + 1];
            ids[0] = rng.NextInt(Vocab);
            for (int i = 1; i < ids.Length; i++) ids[i] = rng.Chance(0.6) ? (3 * ids[i - 1] + 1) % Vocab : rng.NextInt(Vocab);
            var mask = new float[ids.Length];
            Array.Fill(mask, 1f);
            documents.Add(new TokenizedDocument(ids, mask));
        }
        return documents;
    }

    private static readonly List<TokenizedDocument> Train = Markov(400, 1), HeldOut = Markov(64, 2);

    private string ModelDir => _modelDir;

    // Pre-trains to the start of the decay (warmup, then the stable phase at the peak) and keeps the model and its optimizer state, as the flywheel does.
    private static void PretrainToDecayStart(StageContext ctx, string modelDir)
    {
        using var model = new DecoderModel(Config);
        model.InitializeWeights(seed: 7);
        var schedule = new WarmupStableDecay(PeakLr, 10, PretrainSteps - 10, DecaySteps: 0);
        var spec = new TokenStageSpec("pretrain", schedule.DecayStart, schedule.LearningRate, 1.0, 1, PretrainSteps, PretrainSteps, new AdamWOptions());
        string checkpoint = ctx.PathOf("checkpoints", "pretrain");
        TokenTrainer.Run(ctx, spec, model, c => new PackedBatcher(Train, Batch, SeqLen, c ?? DataCursor.Start(1)), new UniformConfig().Build(), null, checkpoint);
        HfCheckpoint.Save(model, modelDir);
        ContinuationState.Keep(checkpoint, modelDir);
    }

    private static MidTrainSection Section(int steps, string recipe = MidTrainRecipes.Decay) => new()
    {
        DecaySteps = steps, BatchSize = Batch, SeqLen = SeqLen, CheckpointEvery = 1, LogEvery = 1, Recipe = recipe, Lr = 1e-3,
    };

    private StageOutcome MidTrain(DecoderModel model, MidTrainSection section, string arm, Func<ITokenBatcher, ITokenBatcher>? wrap = null, CancellationToken cancel = default) =>
        MidTrainStage.Run(_ctx with { Cancellation = cancel }, $"midtrain:{arm}", section, PeakLr, model, ModelDir,
                          c => (wrap ?? (b => b))(new PackedBatcher(Train, Batch, SeqLen, c ?? DataCursor.Start(3))),
                          new UniformConfig().Build(), guide: null, Path.Combine(_dir, "checkpoints", arm));

    private static double HeldOutLoss(DecoderModel model)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var batch = new PackedBatcher(HeldOut, HeldOut.Count, SeqLen, DataCursor.Start(9)).Next();
        var logits = model.Forward(batch.Inputs);
        return nn.functional.cross_entropy(logits.reshape(-1, Vocab), batch.Targets.reshape(-1)).item<float>();
    }

    // Measures the held-out loss each time the trainer draws a batch: the k-th draw sees the model after k steps.
    private sealed class HeldOutProbe(ITokenBatcher inner, DecoderModel model, List<double> losses) : ITokenBatcher
    {
        public DataCursor Cursor => inner.Cursor;

        public TokenBatch Next()
        {
            losses.Add(HeldOutLoss(model));
            return inner.Next();
        }
    }

    [Fact]
    public void Run_DecayFromPreDecayState_LowersHeldOutLossWithoutASpike()
    {
        using var model = HfCheckpoint.Load(ModelDir);
        double preDecay = HeldOutLoss(model);
        var losses = new List<double>();

        MidTrain(model, Section(30), "uniform", b => new HeldOutProbe(b, model, losses));
        double final = HeldOutLoss(model);

        Assert.Equal(preDecay, losses[0], 5); // the first draw sees the pre-decay model
        Assert.All(losses.Skip(1).Take(10), l => Assert.True(l <= 1.1 * preDecay, $"held-out loss {l:F4} in the first 10 steps, pre-decay {preDecay:F4}"));
        Assert.True(final < preDecay, $"held-out loss after the decay {final:F4}, pre-decay {preDecay:F4}");
    }

    [Fact]
    public void Run_DecayFromPreDecayState_RisesLessEarlyThanAFreshOptimizerAtThePeak()
    {
        double WorstEarly(MidTrainSection section, string arm)
        {
            using var model = HfCheckpoint.Load(ModelDir);
            var losses = new List<double>();
            MidTrain(model, section, arm, b => new HeldOutProbe(b, model, losses));
            return losses.Skip(1).Take(10).Max();
        }

        double carried = WorstEarly(Section(30), "carried");
        // Zero moments at the peak LR: Adam's first steps move every weight by about the LR, whatever its gradient.
        double fresh = WorstEarly(Section(30, MidTrainRecipes.Interplay) with { Lr = PeakLr, WarmupFraction = 0 }, "fresh");

        Assert.True(carried < fresh, $"worst held-out loss in the first 10 steps: carried state {carried:F4}, fresh optimizer {fresh:F4}");
    }

    [Fact]
    public void Run_DecayRecipe_CarriesTheMomentsAndStepCount()
    {
        using var pre = new DecoderModel(Config);
        using var preState = new FlatAdamW(pre.named_parameters(), new AdamWOptions());
        TrainingCheckpoint.LoadOptimizer(ModelDir, preState);
        Assert.Equal(PretrainSteps, preState.StepCount);

        using (var carried = HfCheckpoint.Load(ModelDir)) MidTrain(carried, Section(1), "carried");
        using (var fresh = HfCheckpoint.Load(ModelDir)) MidTrain(fresh, Section(1, MidTrainRecipes.Interplay), "fresh");
        using var c = new DecoderModel(Config);
        using var cState = new FlatAdamW(c.named_parameters(), new AdamWOptions());
        TrainingCheckpoint.LoadOptimizer(Path.Combine(_dir, "checkpoints", "carried"), cState);
        using var f = new DecoderModel(Config);
        using var fState = new FlatAdamW(f.named_parameters(), new AdamWOptions());
        TrainingCheckpoint.LoadOptimizer(Path.Combine(_dir, "checkpoints", "fresh"), fState);

        Assert.Equal(PretrainSteps + 1, cState.StepCount);
        Assert.Equal(1, fState.StepCount);
        // Same weights and batch, so the same gradient g: carried m = β1·m_pre + (1−β1)·g and fresh m = (1−β1)·g,
        // so carried − fresh = β1·m_pre (and β2·v_pre for the second moment).
        var o = new AdamWOptions();
        Assert.True(preState.ExpAvgSq.abs().max().item<float>() > 0, "the pre-decay second moment is all zeros");
        Assert.True(allclose(cState.ExpAvg - fState.ExpAvg, o.Beta1 * preState.ExpAvg, rtol: 1e-4, atol: 1e-9));
        Assert.True(allclose(cState.ExpAvgSq - fState.ExpAvgSq, o.Beta2 * preState.ExpAvgSq, rtol: 1e-4, atol: 1e-12));
    }

    [Fact]
    public void Run_InterruptedThenResumed_MatchesAnUninterruptedRun()
    {
        using var straight = HfCheckpoint.Load(ModelDir);
        MidTrain(straight, Section(3), "straight");

        using var cancel = new CancellationTokenSource();
        using (var first = HfCheckpoint.Load(ModelDir))
            Assert.Throws<OperationCanceledException>(() => MidTrain(first, Section(3), "resumed", b => new CancelOnDraw(b, cancel), cancel.Token));
        // The resumed stage restores its own step-1 checkpoint, not the pre-decay state it started from.
        using var resumed = HfCheckpoint.Load(ModelDir);
        var outcome = MidTrain(resumed, Section(3), "resumed");

        Assert.Equal(3, outcome.Steps);
        foreach (var ((name, a), (_, b)) in straight.named_parameters().Zip(resumed.named_parameters()))
            Assert.True(a.eq(b).all().item<bool>(), $"{name} differs after the resume");
    }

    [Fact]
    public void StartState_DecayRecipeWithoutKeptState_NamesTheFolderAndTheWayOut()
    {
        string bare = Path.Combine(_dir, "models", "bare");
        Directory.CreateDirectory(bare);
        var e = Assert.Throws<InvalidOperationException>(() => MidTrainStage.StartState(Section(1), bare));
        Assert.Contains(bare, e.Message);
        Assert.Contains("interplay", e.Message);
        Assert.Null(MidTrainStage.StartState(Section(1, MidTrainRecipes.Interplay), bare));
        Assert.Equal(_modelDir, MidTrainStage.StartState(Section(1), _modelDir));
    }

    [Theory]
    [InlineData(MidTrainRecipes.Decay, 0.0, 1e-2, 1e-2)]      // the decay starts where the stable phase ended
    [InlineData(MidTrainRecipes.Decay, 0.25, 1e-2 / 5, 1e-2)] // 5 of 20 steps re-warm: step 0 is 1/5 of the peak
    [InlineData(MidTrainRecipes.Interplay, 0.0, 1e-3 / 3, 1e-3)] // 15% of 20 = 3 warm-up steps at the section's own LR
    public void Schedule_Recipe_StartsAndPeaksWhereTheRecipeSays(string recipe, double rewarmup, double first, double peak)
    {
        var schedule = MidTrainStage.Schedule(Section(20, recipe) with { RewarmupFraction = rewarmup }, PeakLr);

        Assert.Equal(first, schedule.LearningRate(0), 12);
        Assert.Equal(peak, schedule.PeakLr, 12);
        Assert.Equal(20, schedule.TotalSteps);
        Assert.Equal(0.0, schedule.LearningRate(19), 12); // the last step is at the final rate (final_lr_ratio 0)
    }

    // Cancels the run when the first batch is drawn: that step finishes and checkpoints, and the next one stops.
    private sealed class CancelOnDraw(ITokenBatcher inner, CancellationTokenSource cancel) : ITokenBatcher
    {
        public DataCursor Cursor => inner.Cursor;

        public TokenBatch Next()
        {
            cancel.Cancel();
            return inner.Next();
        }
    }
}
