using ReMiT.Model;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Data;
using ReMiT.Training.Distributed;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Losses;
using ReMiT.Training.Optim;
using ReMiT.Training.Schedules;

namespace ReMiT.Training.Stages;

/// <summary>
/// Mid-training: the annealing phase after pre-training, with a token weighting and, when the weighting
/// needs one, a guide (<see cref="IGuide"/>: in the learner or on a guide node). Two recipes
/// (<see cref="MidTrainSection.Recipe"/>):
/// <list type="bullet">
/// <item>"decay" (ReMiT): the decay of warmup–stable–decay, continuing the pre-training run exactly where its
/// stable phase ended — its weights, AdamW moments and step count (kept beside the pre-decay model, see
/// <see cref="ContinuationState"/>) and its LR, the pre-training peak, falling to <c>final_lr_ratio</c>;
/// optionally re-warmed first (<c>rewarmup_fraction</c>).</item>
/// <item>"interplay": a fresh optimizer at the section's own (low) LR, linear warm-up then cosine.</item>
/// </list>
/// Every arm starts from the same state and reads the same data order; an interrupted stage resumes from
/// its own checkpoint, which wins over the state it started from.
/// </summary>
public static class MidTrainStage
{
    /// <summary>The stage's LR by stage-local step (0 … decay_steps − 1).</summary>
    /// <param name="pretrainPeakLr">The stable-phase LR of the pre-training this stage continues.</param>
    public static WarmupStableDecay Schedule(MidTrainSection s, double pretrainPeakLr)
    {
        bool interplay = s.Recipe == MidTrainRecipes.Interplay;
        int warmup = (int)Math.Round((interplay ? s.WarmupFraction : s.RewarmupFraction) * s.DecaySteps);
        warmup = Math.Min(warmup, s.DecaySteps - 1);
        return interplay
            ? new WarmupStableDecay(s.Lr, warmup, 0, s.DecaySteps - warmup, s.FinalLrRatio, DecayShape.Cosine)
            : new WarmupStableDecay(pretrainPeakLr, warmup, 0, s.DecaySteps - warmup, s.FinalLrRatio);
    }

    /// <summary>
    /// The optimizer state the stage starts from: the state kept beside <paramref name="fromModelDir"/> for the
    /// decay recipe, none (a fresh optimizer) for interplay.
    /// </summary>
    /// <exception cref="InvalidOperationException">The decay recipe, and the model folder keeps no optimizer state.</exception>
    public static string? StartState(MidTrainSection s, string fromModelDir)
    {
        if (s.Recipe == MidTrainRecipes.Interplay) return null;
        if (!ContinuationState.Exists(fromModelDir))
            throw new InvalidOperationException(
                $"{fromModelDir}: the \"decay\" mid-training recipe continues the pre-training run, but this model folder keeps no optimizer state " +
                $"({TrainingCheckpoint.OptimizerFile}, {ContinuationState.StateFile}; pre-training writes them). Re-run pre-training with this build, " +
                $"or set mid_train.recipe=\"{MidTrainRecipes.Interplay}\" to start a fresh optimizer.");
        return fromModelDir;
    }

    /// <summary>Runs the stage on <paramref name="model"/> (loaded from <paramref name="fromModelDir"/>).</summary>
    /// <param name="makeBatcher">The mid-training stream from the start (null) or a saved cursor; the same for every arm.</param>
    /// <param name="zero">The optimizer's ZeRO stage over the learner ranks (<c>learner.zero</c>; see <see cref="FlatAdamW"/>).</param>
    public static StageOutcome Run(StageContext ctx, string stage, MidTrainSection s, double pretrainPeakLr, DecoderModel model, string fromModelDir,
                                   Func<DataCursor?, ITokenBatcher> makeBatcher, ITokenWeighting weighting, IGuide? guide, string checkpointDir,
                                   ICollective? collective = null, double flopsPerToken = 0, double peakFlops = 0, int zero = 0)
    {
        var schedule = Schedule(s, pretrainPeakLr);
        // A resumed stage restores its own checkpoint; the start state is read only by a fresh one.
        string? start = TrainingCheckpoint.Exists(checkpointDir) ? null : StartState(s, fromModelDir);
        var spec = new TokenStageSpec(stage, s.DecaySteps, schedule.LearningRate, s.ClipNorm, s.Accumulation,
                                      s.CheckpointEvery, s.LogEvery, new AdamWOptions(WeightDecay: s.WeightDecay),
                                      flopsPerToken, peakFlops, ContinueFrom: start, Zero: zero);
        ctx.Log.WriteLine($"{stage}: recipe {s.Recipe}, LR {schedule.LearningRate(0):E2} → {s.FinalLrRatio * schedule.PeakLr:E2} over {s.DecaySteps} steps" +
                          (start is null ? ", fresh optimizer" : $", continuing the optimizer state beside {fromModelDir}"));
        return TokenTrainer.Run(ctx, spec, model, makeBatcher, weighting, guide, checkpointDir, collective);
    }
}
