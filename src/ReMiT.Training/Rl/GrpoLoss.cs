using static TorchSharp.torch;

namespace ReMiT.Training.Rl;

/// <summary>
/// The GRPO-family policy loss (PPO clipped surrogate with group-relative advantages):
/// <list type="number">
/// <item>r_t = exp(log π_θ − log π_behaviour): the importance ratio against the policy that
/// actually sampled the tokens, which corrects for stale rollouts (bounded by <see cref="Staleness"/>);</item>
/// <item>ℓ_t = −min(r_t·A, clip(r_t, 1−ε_low, 1+ε_high)·A), with DAPO's decoupled clip-higher ε_high;</item>
/// <item>optionally + β·k3 with k3 = exp(ref − new) − (ref − new) − 1, Schulman's unbiased,
/// non-negative KL(π_θ ‖ π_ref) estimator, as GRPO (Shao et al. 2024, eq. 4) uses;</item>
/// <item>averaged per token over the batch (DAPO) or per sequence then over sequences (GRPO).</item>
/// </list>
/// </summary>
public static class GrpoLoss
{
    // Numerical guard on log-ratios before exp (as veRL does): exp(20) ≈ 4.9e8 is far outside any
    // clip range, so only a diverged token is affected, and it cannot turn the loss into inf/NaN.
    private const double MaxLogRatio = 20.0;

    /// <summary>Computes the loss for a batch of B completions padded to T tokens.</summary>
    /// <param name="newLogProbs">(B, T) log π_θ of the completion tokens, differentiable.</param>
    /// <param name="behaviourLogProbs">(B, T) log-probs recorded by the rollout; treated as constants.</param>
    /// <param name="advantages">(B) one advantage per completion, shared by its tokens.</param>
    /// <param name="mask">(B, T) 1 for completion tokens, 0 for prompt and padding.</param>
    /// <param name="config">Clip range, KL weight and normalisation.</param>
    /// <param name="refLogProbs">(B, T) log π_ref, constants; required when <c>config.KlBeta</c> &gt; 0.</param>
    public static GrpoLossResult Compute(
        Tensor newLogProbs, Tensor behaviourLogProbs, Tensor advantages, Tensor mask,
        GrpoLossConfig config, Tensor? refLogProbs = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = config.Validate();
        if (errors.Count > 0)
            throw new ArgumentException($"GrpoLossConfig is invalid: {string.Join(" ", errors)}", nameof(config));
        CheckShapes(newLogProbs, behaviourLogProbs, advantages, mask, refLogProbs);
        if (config.KlBeta > 0 && refLogProbs is null)
            throw new ArgumentException($"KlBeta is {config.KlBeta} but no refLogProbs were given; pass the reference model's log-probs or set KlBeta = 0.", nameof(refLogProbs));

        using var scope = NewDisposeScope();
        var m = mask.to(ScalarType.Float32);
        var counted = m > 0;
        var zero = zeros_like(m);
        var newLp = newLogProbs.to(ScalarType.Float32);
        var oldLp = behaviourLogProbs.detach().to(ScalarType.Float32);
        var a = advantages.detach().to(ScalarType.Float32).unsqueeze(1);                    // (B, 1)

        // Padding may hold garbage (−inf log-probs); zero the log-ratio there so exp() stays finite.
        var logRatio = where(counted, newLp - oldLp, zero).clamp(-MaxLogRatio, MaxLogRatio); // (B, T)
        var ratio = logRatio.exp();
        var unclipped = -ratio * a;
        var clipped = -ratio.clamp(1.0 - config.ClipLow, 1.0 + config.ClipHigh) * a;
        var perToken = maximum(unclipped, clipped);                                          // −min(r·A, clip(r)·A)

        Tensor refKl;
        if (refLogProbs is not null)
        {
            var refDiff = where(counted, refLogProbs.detach().to(ScalarType.Float32) - newLp, zero).clamp(-MaxLogRatio, MaxLogRatio);
            var k3 = refDiff.exp() - refDiff - 1.0;                                          // ≥ 0, = 0 iff ref = new
            if (config.KlBeta > 0) perToken = perToken + config.KlBeta * k3;
            refKl = TokenMean(k3.detach(), m);
        }
        else
        {
            refKl = zeros(size: [], device: m.device);
        }

        var loss = config.Normalization switch
        {
            LossNormalization.Token => TokenMean(perToken, m),
            LossNormalization.Sequence => SequenceMean(perToken, m),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Normalization, "Unknown loss normalisation."),
        };

        var r = ratio.detach();
        var clipFraction = TokenMean(clipped.detach().gt(unclipped.detach()).to(ScalarType.Float32), m);
        var approxKl = TokenMean((r - 1.0) - logRatio.detach(), m);
        var ratioMean = TokenMean(r, m);
        return new GrpoLossResult(
            loss.MoveToOuterDisposeScope(), clipFraction.MoveToOuterDisposeScope(), approxKl.MoveToOuterDisposeScope(),
            ratioMean.MoveToOuterDisposeScope(), refKl.MoveToOuterDisposeScope());
    }

    /// <summary>Σ mask·x / max(Σ mask, 1) — 0 rather than NaN for an empty batch.</summary>
    private static Tensor TokenMean(Tensor x, Tensor m) => where(m > 0, x * m, zeros_like(x)).sum() / m.sum().clamp_min(1.0);

    /// <summary>Mean over each sequence's tokens, then over the sequences that have any token.</summary>
    private static Tensor SequenceMean(Tensor x, Tensor m)
    {
        var lengths = m.sum(1);                                                              // (B)
        var perSequence = where(m > 0, x * m, zeros_like(x)).sum(1) / lengths.clamp_min(1.0);
        var nonEmpty = (lengths > 0).to(ScalarType.Float32);
        return (perSequence * nonEmpty).sum() / nonEmpty.sum().clamp_min(1.0);
    }

    private static void CheckShapes(Tensor newLogProbs, Tensor behaviourLogProbs, Tensor advantages, Tensor mask, Tensor? refLogProbs)
    {
        ArgumentNullException.ThrowIfNull(newLogProbs);
        ArgumentNullException.ThrowIfNull(behaviourLogProbs);
        ArgumentNullException.ThrowIfNull(advantages);
        ArgumentNullException.ThrowIfNull(mask);
        if (newLogProbs.dim() != 2)
            throw new ArgumentException($"newLogProbs must be (B, T), got {Shape(newLogProbs)}.", nameof(newLogProbs));
        if (!behaviourLogProbs.shape.SequenceEqual(newLogProbs.shape))
            throw new ArgumentException($"behaviourLogProbs must match newLogProbs {Shape(newLogProbs)}, got {Shape(behaviourLogProbs)}.", nameof(behaviourLogProbs));
        if (!mask.shape.SequenceEqual(newLogProbs.shape))
            throw new ArgumentException($"mask must match newLogProbs {Shape(newLogProbs)}, got {Shape(mask)}.", nameof(mask));
        if (advantages.dim() != 1 || advantages.shape[0] != newLogProbs.shape[0])
            throw new ArgumentException($"advantages must be (B) = ({newLogProbs.shape[0]}), one per completion, got {Shape(advantages)}.", nameof(advantages));
        if (refLogProbs is not null && !refLogProbs.shape.SequenceEqual(newLogProbs.shape))
            throw new ArgumentException($"refLogProbs must match newLogProbs {Shape(newLogProbs)}, got {Shape(refLogProbs)}.", nameof(refLogProbs));
    }

    private static string Shape(Tensor t) => "(" + string.Join(", ", t.shape) + ")";
}
