using static TorchSharp.torch;

namespace ReMiT.Training.Losses;

/// <summary>
/// Shared pieces of every token weighting: input checks, float32 log-softmax, masked sums and
/// weight statistics. All tensor work; no host synchronisation.
/// </summary>
internal static class TokenLoss
{
    /// <summary>
    /// Checks shapes and dtypes before any op runs — LibTorch aborts the process on some
    /// mismatches instead of throwing, so a bad batch must fail here with a readable message.
    /// </summary>
    public static void CheckInputs(Tensor logits, Tensor targets, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(mask);
        if (logits.dim() != 3)
            throw new ArgumentException($"logits must be (B, T, V), got shape {Shape(logits)}.", nameof(logits));
        if (!logits.is_floating_point())
            throw new ArgumentException($"logits must be floating point, got {logits.dtype}.", nameof(logits));
        if (targets.dim() != 2 || targets.shape[0] != logits.shape[0] || targets.shape[1] != logits.shape[1])
            throw new ArgumentException($"targets must be (B, T) = ({logits.shape[0]}, {logits.shape[1]}) to match logits, got shape {Shape(targets)}.", nameof(targets));
        if (targets.dtype != ScalarType.Int64)
            throw new ArgumentException($"targets must be int64 token ids, got {targets.dtype}.", nameof(targets));
        if (!mask.shape.SequenceEqual(targets.shape))
            throw new ArgumentException($"mask must have the targets' shape {Shape(targets)}, got {Shape(mask)}.", nameof(mask));
        if (!SameDevice(logits, targets) || !SameDevice(logits, mask))
            throw new ArgumentException($"logits, targets and mask must share a device, got {logits.device}, {targets.device} and {mask.device}.");
    }

    /// <summary>Checks the guide's per-token log-probs against the targets' (B, T).</summary>
    public static Tensor RequireGuideTokenLogProbs(GuideScores? guide, Tensor targets, string method)
    {
        if (guide is null)
            throw new ArgumentException($"{method} needs the guide's token log-probs; pass GuideScores from a guide forward.", nameof(guide));
        var g = guide.TokenLogProbs ?? throw new ArgumentException($"{method}: GuideScores.TokenLogProbs is null.", nameof(guide));
        if (!g.shape.SequenceEqual(targets.shape))
            throw new ArgumentException($"{method}: guide TokenLogProbs must be (B, T) = {Shape(targets)}, got {Shape(g)}.", nameof(guide));
        if (!g.is_floating_point())
            throw new ArgumentException($"{method}: guide TokenLogProbs must be floating point, got {g.dtype}.", nameof(guide));
        return g;
    }

    /// <summary>(B, T, V) log-softmax in float32, whatever the logits' dtype (bf16 log-probs lose too much).</summary>
    public static Tensor LogSoftmax(Tensor logits) => logits.to(ScalarType.Float32).log_softmax(-1);

    /// <summary>
    /// (B, T) log-prob of each target under (B, T, V) log-probs. Targets at masked positions are
    /// replaced by 0 before the gather, so padding ids such as −100 cannot index out of range.
    /// </summary>
    public static Tensor Gather(Tensor logProbs, Tensor targets, Tensor counted)
    {
        var safeTargets = targets.masked_fill(counted.logical_not(), 0);
        return logProbs.gather(-1, safeTargets.unsqueeze(-1)).squeeze(-1);
    }

    /// <summary>The mask as float32 and as a boolean "this token counts".</summary>
    public static (Tensor Mask, Tensor Counted) Normalize(Tensor mask)
    {
        var m = mask.to(ScalarType.Float32);
        return (m, m > 0);
    }

    /// <summary>Σ mask·x / max(Σ mask, 1): a masked mean that is 0, not NaN, for an empty mask.</summary>
    public static Tensor MaskedMean(Tensor x, Tensor mask, Tensor count)
    {
        // where() rather than x·mask: padding may hold ±inf (e.g. a guide log-prob of −inf), and inf·0 is NaN.
        var sum = where(mask > 0, x * mask, zeros_like(x)).sum();
        return sum / count.clamp_min(1.0);
    }

    /// <summary>Mean and population std of weights over the masked tokens.</summary>
    public static (Tensor Mean, Tensor Std) MeanStd(Tensor weights, Tensor mask, Tensor count)
    {
        var mean = MaskedMean(weights, mask, count);
        var variance = MaskedMean((weights - mean).square(), mask, count);
        return (mean, variance.sqrt());
    }

    /// <summary>Stats of weights that are 1 on every masked token (uniform NTP, KD).</summary>
    public static WeightStats UnitWeights(Tensor count, Device device)
    {
        var one = (count > 0).to(ScalarType.Float32); // 1, or 0 for an all-padding batch
        return new WeightStats(one, zeros(size: [], device: device), zeros(size: [], device: device), one.clone());
    }

    /// <summary>Moves a result's tensors out of the callee's dispose scope, to the caller's.</summary>
    public static TokenLossResult ToOuterScope(Tensor loss, Tensor count, WeightStats stats) => new(
        loss.MoveToOuterDisposeScope(),
        count.MoveToOuterDisposeScope(),
        new WeightStats(
            stats.Mean.MoveToOuterDisposeScope(),
            stats.Std.MoveToOuterDisposeScope(),
            stats.ClippedShare.MoveToOuterDisposeScope(),
            stats.SelectedShare.MoveToOuterDisposeScope()));

    /// <summary>Device equality by value: TorchSharp hands out a new Device object per call.</summary>
    public static bool SameDevice(Tensor a, Tensor b) => a.device_type == b.device_type && a.device_index == b.device_index;

    public static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
}
