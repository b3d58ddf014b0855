using System.Diagnostics;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Tasks.Gsm;
using ReMiT.Tasks.KnightsKnaves;
using ReMiT.Tokenization;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Data;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Optim;
using ReMiT.Training.Rl;
using static TorchSharp.torch;

namespace ReMiT.Training.Stages;

/// <summary>
/// RLVR stage: each step draws fresh prompts — GSM problems or K&amp;K puzzles — as a pure function of
/// seed and step (so resuming replays the same prompts), generates G rollouts each with the current
/// policy (rollout role), scores them with the task's verifier (Interplay reward, or a K&amp;K reward
/// scheme) and takes one GRPO step (learner role).
/// In-process the three run back to back, so every rollout is on-policy (staleness 0); the cluster
/// drives the same three components concurrently.
/// </summary>
public static class GrpoStage
{
    public static StageOutcome Run(StageContext ctx, string stage, RlSection cfg, DecoderModel model, HfTokenizer tokenizer,
                                   string checkpointDir, ulong seed)
    {
        var generator = new RolloutGenerator(tokenizer, cfg.MaxNewTokens, cfg.Temperature, cfg.GroupSize);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions(WeightDecay: 0.0));
        var learner = new GrpoLearner(model, optimizer, new GrpoLearnerOptions(
            cfg.GroupSize, cfg.Temperature, cfg.Advantage == "dr_grpo" ? AdvantageMode.DrGrpo : AdvantageMode.Grpo,
            cfg.GrpoConfig(), cfg.DynamicSampling, cfg.MaxNewTokens, cfg.OverlongBuffer, cfg.MaxStaleness, cfg.ClipNorm), generator.Pad);
        var ops = GsmOpRange.Parse(cfg.Ops);
        var templates = cfg.Templates.Select(GsmTemplate.Parse).ToArray();
        var modes = cfg.Modes.Select(GsmModes.Parse).ToArray();
        KkCorpusSource.TryParsePeople(cfg.People, out int minPeople, out int maxPeople, out _);
        var scheme = KkRewardScheme.Named(cfg.KkScheme);
        // Enough items per difficulty to fill a step; the first PromptsPerStep are used.
        EvalSet Prompts(ulong stepSeed) => cfg.Task == "kk"
            ? EvalSet.Kk(minPeople, maxPeople, (cfg.PromptsPerStep + maxPeople - minPeople) / (maxPeople - minPeople + 1), stepSeed, scheme)
            : EvalSet.Gsm(ops, (cfg.PromptsPerStep + ops.Count - 1) / ops.Count, stepSeed, templates, modes);

        int step = 0;
        if (TrainingCheckpoint.Exists(checkpointDir))
        {
            var meta = TrainingCheckpoint.Restore(checkpointDir, stage, model, optimizer);
            step = meta.Step;
            ctx.Log.WriteLine($"{stage}: resuming at step {step}/{cfg.Steps}");
        }

        var clock = Stopwatch.StartNew();
        long tokens = 0;
        double lastReward = double.NaN;
        while (step < cfg.Steps)
        {
            ctx.Cancellation.ThrowIfCancellationRequested();
            ulong stepSeed = SplitMix64Seed(seed, (ulong)step);
            var items = Prompts(stepSeed).Items.Take(cfg.PromptsPerStep).ToArray();
            long version = step; // one policy version per update
            var rollouts = generator.Generate(model, items, version, unchecked((long)stepSeed));
            var scored = RewardVerifier.Score(rollouts, items, generator);
            var stats = learner.Step(scored, version, cfg.Lr);
            step++;
            tokens += scored.Sum(r => (long)r.CompletionIds.Length);
            lastReward = stats.RewardMean;

            ctx.Metrics.Append(stage, step, "reward", stats.RewardMean);
            ctx.Metrics.Append(stage, step, "accuracy", stats.Accuracy);
            ctx.Metrics.Append(stage, step, "kept_groups", stats.KeptGroups);
            ctx.Metrics.Append(stage, step, "clip_fraction", stats.ClipFraction);
            ctx.Metrics.Append(stage, step, "approx_kl", stats.ApproxKl);
            ctx.Metrics.Append(stage, step, "completion_tokens", stats.MeanCompletionTokens);
            if (step % cfg.LogEvery == 0 || step == cfg.Steps)
            {
                double eta = (cfg.Steps - step) * clock.Elapsed.TotalSeconds / Math.Max(step, 1);
                ctx.Log.WriteLine($"{stage} step {step:D4}/{cfg.Steps:D4} | reward {stats.RewardMean:F3} | acc {stats.Accuracy:P0} | " +
                                  $"groups kept {stats.KeptGroups}/{items.Length} | len {stats.MeanCompletionTokens:F0} | clip {stats.ClipFraction:F3} | eta {TimeSpan.FromSeconds(eta):mm\\:ss}");
            }
            if (step % cfg.CheckpointEvery == 0 || step == cfg.Steps)
                TrainingCheckpoint.Save(checkpointDir, model, optimizer, new CheckpointMeta { Stage = stage, Step = step, PolicyVersion = step, Tokens = tokens });
        }
        return new StageOutcome(step, tokens, double.NaN, clock.Elapsed.TotalSeconds, new Dictionary<string, double> { ["final_reward"] = lastReward });
    }

    private static ulong SplitMix64Seed(ulong seed, ulong step) => ReMiT.Tasks.SplitMix64.Derive(seed ^ 0x5EED_0F_6A9Dul, step);
}
