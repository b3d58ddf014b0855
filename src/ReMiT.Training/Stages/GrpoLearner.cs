using ReMiT.Model;
using ReMiT.Training.Distributed;
using ReMiT.Training.Optim;
using ReMiT.Training.Rl;
using static TorchSharp.torch;

namespace ReMiT.Training.Stages;

/// <summary>What one GRPO step did, for the log and the metrics.</summary>
public sealed record GrpoStepStats(
    double RewardMean, double Accuracy, int Rollouts, int KeptGroups, int DroppedGroups, int Stale,
    double Loss, double ClipFraction, double ApproxKl, double MeanCompletionTokens)
{
    /// <summary>Mean k3 KL(π_θ ‖ π_ref) over the trained tokens, before the update (0 without a reference).</summary>
    public double RefKl { get; init; }

    /// <summary>Extra prompts dynamic sampling drew for this step (refill rounds, <see cref="DynamicSamplingRefill"/>).</summary>
    public int RefillPrompts { get; init; }

    /// <summary>Refill rounds drawn for this step (0: the step's own prompts sufficed).</summary>
    public int RefillRounds { get; init; }

    /// <summary>Groups from refill rounds among those trained on.</summary>
    public int RefillGroupsUsed { get; init; }
}

/// <summary>GRPO settings the learner needs (the rest of <c>RlSection</c> is about sampling).</summary>
public sealed record GrpoLearnerOptions(
    int GroupSize, double Temperature, AdvantageMode Advantage, GrpoLossConfig Loss, bool DynamicSampling,
    int MaxNewTokens, int OverlongBuffer, int MaxStaleness, double ClipNorm, int MicroBatchRows = 16,
    int PromptsPerStep = int.MaxValue);

/// <summary>
/// Learner role for RLVR: turns scored rollouts into one policy update — staleness filter, overlong
/// penalty, group advantages, dynamic sampling, then the clipped GRPO loss with the rollouts'
/// behaviour log-probs as the importance-sampling denominator. Micro-batches keep memory flat; their
/// losses are weighted so the result equals one pass over the whole batch.
/// <para>
/// Data parallel with a collective of N ranks: every rank gets the same rollouts and computes the
/// same advantages, then rank r trains on kept rows r, r+N, r+2N, … Each micro-batch's share is
/// taken against the global totals (tokens or sequences) and multiplied by N, because gradients are
/// then averaged over ranks: the average of N·Σ_rank is Σ_all, the single-process gradient. The
/// stats are summed over ranks. Ranks must start identical (<see cref="DataParallel.BroadcastMaster"/>), and the
/// optimizer must be built over the same collective (it averages the gradients: all-reduce, or ZeRO-1's reduce-scatter).
/// </para>
/// </summary>
/// <param name="collective">Data-parallel ranks (null: one process).</param>
/// <param name="reference">
/// Frozen reference policy π_ref for the k3 KL penalty (the RL stage's starting model, in eval mode);
/// required when <c>options.Loss.KlBeta</c> &gt; 0. Every data-parallel rank holds its own copy.
/// </param>
public sealed class GrpoLearner(DecoderModel policy, FlatAdamW optimizer, GrpoLearnerOptions options, int padId,
                                ICollective? collective = null, DecoderModel? reference = null)
{
    private readonly DecoderModel? _reference = options.Loss.KlBeta > 0
        ? reference ?? throw new ArgumentException($"rl.kl_beta is {options.Loss.KlBeta} but no reference model was given; load the stage's starting model as the reference or set rl.kl_beta = 0.", nameof(reference))
        : reference;

    public GrpoStepStats Step(IReadOnlyList<Rollout> rollouts, long currentVersion, double lr)
    {
        int g = options.GroupSize;
        if (rollouts.Count % g != 0)
            throw new ArgumentException($"{rollouts.Count} rollouts are not whole groups of {g}.", nameof(rollouts));

        // ---- rewards → advantages, group by group ----
        // Groups with prompt index ≥ PromptsPerStep come from dynamic sampling's refill rounds: the first
        // PromptsPerStep kept groups in prompt order are trained on (DynamicSamplingRefill.Select).
        int perStep = options.PromptsPerStep;
        var candidates = new List<(Rollout[] Group, double[] Advantages)>();
        var keep = new List<bool>();
        int dropped = 0, stale = 0;
        for (int start = 0; start < rollouts.Count; start += g)
        {
            var group = rollouts.Skip(start).Take(g).ToArray();
            if (group.Any(r => !Staleness.Accept(r.PolicyVersion, currentVersion, options.MaxStaleness))) { stale += g; continue; }
            double[] rewards = group.Select(r => LearningReward(r, options)).ToArray();
            bool mixed = !options.DynamicSampling || DynamicSampling.KeepGroup(rewards);
            if (!mixed) dropped++;
            keep.Add(mixed);
            candidates.Add((group, mixed ? GrpoAdvantages.Compute(rewards, g, options.Advantage) : []));
        }
        var kept = new List<(Rollout R, double Advantage)>();
        int refillGroupsUsed = 0;
        foreach (int i in DynamicSamplingRefill.Select(keep, perStep))
        {
            var (group, advantages) = candidates[i];
            if (group[0].Group >= perStep) refillGroupsUsed++;
            for (int j = 0; j < g; j++) kept.Add((group[j], advantages[j]));
        }
        var refillPrompts = rollouts.Where(r => r.Group >= perStep).Select(r => r.Group).Distinct().ToArray();
        int refillRounds = refillPrompts.Select(p => DynamicSamplingRefill.RoundOf(p, perStep)).Distinct().Count();

        // Reward and accuracy describe the step's own prompts, not the refill rounds picked for their mixed rewards.
        var own = rollouts.Where(r => r.Group < perStep).ToArray();
        if (own.Length == 0) own = [.. rollouts];
        double rewardMean = own.Average(r => r.Reward), accuracy = own.Average(r => r.Correct ? 1.0 : 0.0);
        double meanTokens = rollouts.Average(r => r.CompletionIds.Length);
        var refill = (Prompts: refillPrompts.Length, Rounds: refillRounds, Used: refillGroupsUsed);
        if (kept.Count == 0)
            return new GrpoStepStats(rewardMean, accuracy, rollouts.Count, 0, dropped, stale, 0, 0, 0, meanTokens)
            {
                RefillPrompts = refill.Prompts, RefillRounds = refill.Rounds, RefillGroupsUsed = refill.Used,
            };

        // ---- one update over the kept rollouts, in micro-batches ----
        policy.train();
        long totalTokens = kept.Sum(k => (long)k.R.CompletionIds.Length);
        int ranks = collective?.Size ?? 1;
        var mine = ranks == 1 ? kept : kept.Where((_, i) => i % ranks == collective!.Rank).ToList();
        double lossSum = 0, clipSum = 0, klSum = 0, refKlSum = 0;
        for (int start = 0; start < mine.Count; start += options.MicroBatchRows)
        {
            using var scope = NewDisposeScope();
            var micro = mine.Skip(start).Take(options.MicroBatchRows).ToArray();
            var (inputs, targets, behaviour, mask, advantages) = Pack(micro);
            var newLogProbs = TargetLogProbs(policy.Forward(inputs), targets, options.Temperature); // (B, L)
            var refLogProbs = _reference is null ? null : ReferenceLogProbs(inputs, targets);
            var result = GrpoLoss.Compute(newLogProbs, behaviour, advantages, mask, options.Loss, refLogProbs);
            long microTokens = micro.Sum(k => (long)k.R.CompletionIds.Length);
            double share = options.Loss.Normalization == LossNormalization.Token
                ? (double)microTokens / totalTokens : (double)micro.Length / kept.Count;
            (result.Loss * (share * ranks)).backward();                                     // × N: gradients are averaged
            lossSum += result.Loss.item<float>() * share;
            clipSum += result.ClipFraction.item<float>() * share;
            klSum += result.ApproxKl.item<float>() * share;
            refKlSum += result.RefKl.item<float>() * share;
        }
        optimizer.GatherGradients();
        optimizer.AverageGradients();
        if (DataParallel.IsDistributed(collective))
        {
            float[] sums = [(float)lossSum, (float)clipSum, (float)klSum, (float)refKlSum];
            collective.AllReduceSum(sums);
            (lossSum, clipSum, klSum, refKlSum) = (sums[0], sums[1], sums[2], sums[3]);
        }
        optimizer.Step(lr, options.ClipNorm).Dispose();
        return new GrpoStepStats(rewardMean, accuracy, rollouts.Count, kept.Count / g, dropped, stale, lossSum, clipSum, klSum, meanTokens)
        {
            RefKl = refKlSum, RefillPrompts = refill.Prompts, RefillRounds = refill.Rounds, RefillGroupsUsed = refill.Used,
        };
    }

    /// <summary>The reward the advantages see: the verifier's, less DAPO's soft overlong penalty when it is on.</summary>
    public static double LearningReward(Rollout r, GrpoLearnerOptions options) => options.OverlongBuffer > 0
        ? OverlongPenalty.Apply(r.Reward, r.CompletionIds.Length, options.MaxNewTokens, options.OverlongBuffer)
        : r.Reward;

    // log π_ref of the target tokens at the policy's temperature; constants (no graph is built).
    private Tensor ReferenceLogProbs(Tensor inputs, Tensor targets)
    {
        using var noGrad = no_grad();
        return TargetLogProbs(_reference!.Forward(inputs), targets, options.Temperature);
    }

    // (B, L) float32 log-probs of the targets under (B, L, V) logits at a temperature. At temperature 1 no
    // scaled copy is made: each (B, L, V) float32 tensor here is 4·V bytes per token kept by the step's scope
    // and autograd (0.6 GB for 1,024 tokens of Qwen2.5's vocabulary), and x / 1 is x exactly.
    private static Tensor TargetLogProbs(Tensor logits, Tensor targets, double temperature)
    {
        var scaled = logits.to(ScalarType.Float32);
        if (temperature != 1.0) scaled /= temperature;
        return scaled.log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1);
    }

    // Right-padded rows of prompt+completion: inputs (B, L), targets (B, L), and behaviour log-probs,
    // mask and advantages aligned to the completion's target positions.
    private (Tensor, Tensor, Tensor, Tensor, Tensor) Pack((Rollout R, double Advantage)[] rows)
    {
        int length = rows.Max(k => k.R.PromptIds.Length + k.R.CompletionIds.Length) - 1;
        int b = rows.Length;
        var inputs = new long[b * length];
        var targets = new long[b * length];
        var behaviour = new float[b * length];
        var mask = new float[b * length];
        Array.Fill(inputs, padId);
        Array.Fill(targets, padId);
        for (int i = 0; i < b; i++)
        {
            var (r, _) = rows[i];
            int[] seq = [.. r.PromptIds, .. r.CompletionIds];
            for (int j = 0; j < seq.Length - 1; j++)
            {
                inputs[i * length + j] = seq[j];
                targets[i * length + j] = seq[j + 1];
            }
            int first = r.PromptIds.Length - 1; // target position of the first completion token
            for (int j = 0; j < r.CompletionIds.Length; j++)
            {
                behaviour[i * length + first + j] = r.BehaviourLogProbs[j];
                mask[i * length + first + j] = 1f;
            }
        }
        var device = policy.parameters().First().device;
        return (tensor(inputs, [b, length], device: device), tensor(targets, [b, length], device: device),
                tensor(behaviour, [b, length], device: device), tensor(mask, [b, length], device: device),
                tensor(rows.Select(k => (float)k.Advantage).ToArray(), device: device));
    }
}
