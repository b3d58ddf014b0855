using System.Diagnostics;
using ReMiT.Model;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Optim;
using ReMiT.Training.Rl;

namespace ReMiT.Training.Stages;

/// <summary>
/// Where the learner's RL steps come from. The cluster implements it: rollout nodes generate with a
/// published policy, verifiers score, the coordinator assembles each step's groups.
/// </summary>
public interface IRlStepSource
{
    /// <summary>
    /// The policy after <paramref name="step"/> updates is ready (at the start or after a resume too):
    /// publish it for the rollout nodes. Returns its version, the tag rollouts generated with it carry.
    /// </summary>
    long PolicyReady(DecoderModel policy, int step);

    /// <summary>All verified rollouts of <paramref name="step"/>, whole groups in prompt order; blocks until they are there.</summary>
    IReadOnlyList<Rollout> Fetch(int step, CancellationToken cancellation);
}

/// <summary>
/// The learner side of RLVR: for each step, fetch the step's verified rollouts, take one GRPO step
/// (staleness filter against the current policy version, advantages, clipped loss), log, checkpoint,
/// publish the new policy. Resumes exactly from the stage's last checkpoint.
/// </summary>
public static class GrpoStage
{
    /// <param name="zero">The optimizer's ZeRO stage over the learner ranks (<c>learner.zero</c>; see <see cref="FlatAdamW"/>).</param>
    public static StageOutcome Run(StageContext ctx, string stage, RlSection cfg, DecoderModel model, int padId,
                                   string checkpointDir, IRlStepSource source, Distributed.ICollective? collective = null,
                                   DecoderModel? reference = null, int zero = 0)
    {
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions(WeightDecay: 0.0), collective, zero);
        var learner = new GrpoLearner(model, optimizer, new GrpoLearnerOptions(
            cfg.GroupSize, cfg.Temperature, cfg.Advantage == "dr_grpo" ? AdvantageMode.DrGrpo : AdvantageMode.Grpo,
            cfg.GrpoConfig(), cfg.DynamicSampling, cfg.MaxNewTokens, cfg.OverlongBuffer, cfg.MaxStaleness, cfg.ClipNorm,
            PromptsPerStep: cfg.PromptsPerStep), padId, collective, reference);

        int step = 0;
        long tokens = 0;
        if (TrainingCheckpoint.Exists(checkpointDir))
        {
            var meta = TrainingCheckpoint.Restore(checkpointDir, stage, model, optimizer);
            step = meta.Step;
            tokens = meta.Tokens;
            ctx.Log.WriteLine($"{stage}: resuming at step {step}/{cfg.Steps}");
        }

        Distributed.DataParallel.BroadcastMaster(optimizer, collective); // every rank starts from rank 0's weights
        var clock = Stopwatch.StartNew();
        double lastReward = double.NaN;
        long version = source.PolicyReady(model, step);
        while (step < cfg.Steps)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            var rollouts = source.Fetch(step, ctx.Cancellation);
            var stats = learner.Step(rollouts, version, cfg.Lr);
            step++;
            tokens += rollouts.Sum(r => (long)r.CompletionIds.Length);
            lastReward = stats.RewardMean;

            ctx.Metrics.Append(stage, step, "reward", stats.RewardMean);
            ctx.Metrics.Append(stage, step, "accuracy", stats.Accuracy);
            ctx.Metrics.Append(stage, step, "kept_groups", stats.KeptGroups);
            if (cfg.DynamicSampling && cfg.MaxRefillRounds > 0)
            {
                ctx.Metrics.Append(stage, step, "refill_prompts", stats.RefillPrompts);
                ctx.Metrics.Append(stage, step, "refill_rounds", stats.RefillRounds);
                ctx.Metrics.Append(stage, step, "refill_groups_used", stats.RefillGroupsUsed);
            }
            ctx.Metrics.Append(stage, step, "stale", stats.Stale);
            ctx.Metrics.Append(stage, step, "clip_fraction", stats.ClipFraction);
            ctx.Metrics.Append(stage, step, "approx_kl", stats.ApproxKl);
            if (reference is not null) ctx.Metrics.Append(stage, step, "ref_kl", stats.RefKl);
            ctx.Metrics.Append(stage, step, "completion_tokens", stats.MeanCompletionTokens);
            if (step % cfg.LogEvery == 0 || step == cfg.Steps)
            {
                double eta = (cfg.Steps - step) * clock.Elapsed.TotalSeconds / Math.Max(step, 1);
                ctx.Log.WriteLine($"{stage} step {step:D4}/{cfg.Steps:D4} | reward {stats.RewardMean:F3} | acc {stats.Accuracy:P0} | " +
                                  $"groups kept {stats.KeptGroups}/{rollouts.Count / cfg.GroupSize}" + (stats.RefillPrompts > 0 ? $" (+{stats.RefillPrompts} refill)" : "") + $" | len {stats.MeanCompletionTokens:F0} | clip {stats.ClipFraction:F3} | eta {TimeSpan.FromSeconds(eta):mm\\:ss}");
            }
            if (step % cfg.CheckpointEvery == 0 || step == cfg.Steps) // every rank calls it (a ZeRO-1 state is gathered); rank 0 writes
                TrainingCheckpoint.Save(checkpointDir, model, optimizer, new CheckpointMeta { Stage = stage, Step = step, PolicyVersion = version, Tokens = tokens }, collective);
            if (step < cfg.Steps) version = source.PolicyReady(model, step);
        }
        // Only the lead rank writes the summary; the others return at once (the coordinator moves on when rank 0 is done).
        if (!Distributed.DataParallel.IsLead(collective))
            return new StageOutcome(step, tokens, double.NaN, clock.Elapsed.TotalSeconds, new Dictionary<string, double>());
        // One step's batch mean is a few prompts; the summary gives the last 10 steps' mean (the metrics
        // file covers steps before a resume too) and names the single last value as what it is.
        var summary = new Dictionary<string, double>
        {
            ["reward_last10"] = Reporting.TrailingMean.OfLog(ctx.Metrics.FilePath, stage, "reward"),
            ["accuracy_last10"] = Reporting.TrailingMean.OfLog(ctx.Metrics.FilePath, stage, "accuracy"),
            ["last_step_reward"] = lastReward,
        };
        return new StageOutcome(step, tokens, double.NaN, clock.Elapsed.TotalSeconds,
                                summary.Where(kv => double.IsFinite(kv.Value)).ToDictionary()); // JSON has no NaN
    }
}
