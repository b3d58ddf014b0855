using static TorchSharp.torch;

namespace ReMiT.Training.Losses;

/// <summary>
/// ReMiT's RL-guided token reweighting for mid-training (arXiv 2602.03075, eqs. 3–6). A frozen
/// RL-tuned guide p_RL scores each token; tokens the current model p_θ finds harder than the guide
/// does (the RL model "knows" them better) get weight above 1, tokens it already predicts better
/// get weight below 1:
/// <list type="number">
/// <item>eq. 3: Δ_t = (−log p_θ(x_t|x_&lt;t)) − (−log p_RL(x_t|x_&lt;t)), with p_θ's log-probs detached;</item>
/// <item>eq. 4: Δ̂_t = Δ_t − mean_t Δ_t, centred per sequence over its counted tokens;</item>
/// <item>eq. 5: w_t = clip(2·σ(Δ̂_t), 1−ε, 1+ε), a constant (no gradient);</item>
/// <item>eq. 6: loss = −(1/Σ mask) Σ mask·w_t·log p_θ(x_t) — normalised by token count, not by Σw.</item>
/// </list>
/// Centring makes the weight relative within a sequence: at Δ̂ = 0, 2σ(0) = 1, so an average token
/// keeps the plain NTP weight. Clipping bounds the reweighting; the paper's ε sweep shows that
/// without it training collapses (<see cref="Clip"/> = false exists only for that ablation).
/// </summary>
public sealed class ReMiTWeighting : ITokenWeighting
{
    /// <summary>Creates the weighting.</summary>
    /// <param name="epsilon">Clip half-width ε in [0, 1]; weights stay in [1−ε, 1+ε].</param>
    /// <param name="clip">False only for the no-clip ablation: w = 2σ(Δ̂) ∈ (0, 2).</param>
    public ReMiTWeighting(double epsilon = 0.2, bool clip = true)
    {
        CheckEpsilon(epsilon);
        Epsilon = epsilon;
        Clip = clip;
    }

    /// <summary>Clip half-width ε.</summary>
    public double Epsilon { get; }

    /// <summary>Whether weights are clipped to [1−ε, 1+ε] (eq. 5).</summary>
    public bool Clip { get; }

    public string Name => "remit";

    public GuideNeed Need => GuideNeed.TokenLogProbs;

    public TokenLossResult Loss(Tensor logits, Tensor targets, Tensor mask, GuideScores? guide)
    {
        TokenLoss.CheckInputs(logits, targets, mask);
        var guideLogProbs = TokenLoss.RequireGuideTokenLogProbs(guide, targets, "ReMiT");
        using var scope = NewDisposeScope();
        var (m, counted) = TokenLoss.Normalize(mask);
        var count = m.sum();
        var tokenLogProbs = TokenLoss.Gather(TokenLoss.LogSoftmax(logits), targets, counted); // (B, T), with grad
        var (w, atBound) = Compute(tokenLogProbs, guideLogProbs.to(logits.device), m, counted, Epsilon, Clip); // constants

        var loss = -TokenLoss.MaskedMean(w * tokenLogProbs, m, count); // eq. 6: / Σ mask, not / Σ w
        var (mean, std) = TokenLoss.MeanStd(w, m, count);
        var clipped = TokenLoss.MaskedMean(atBound.to(ScalarType.Float32), m, count);
        var selected = (count > 0).to(ScalarType.Float32);
        return TokenLoss.ToOuterScope(loss, count, new WeightStats(mean, std, clipped, selected));
    }

    /// <summary>
    /// ReMiT token weights (eqs. 3–5) for reuse outside training (<c>remit weights</c>, the guide
    /// node). Returns (B, T) float32 weights, detached; positions with mask 0 get weight 0, and a
    /// sequence with no counted tokens is all zeros (never NaN).
    /// </summary>
    /// <param name="policyTokenLogProbs">(B, T) log p_θ(x_t) of the current model.</param>
    /// <param name="guideTokenLogProbs">(B, T) log p_RL(x_t) of the RL-tuned guide.</param>
    /// <param name="mask">(B, T) 1 for counted tokens, 0 for padding and prompt.</param>
    /// <param name="epsilon">Clip half-width ε in [0, 1].</param>
    /// <param name="clip">False only for the no-clip ablation.</param>
    public static Tensor Weights(Tensor policyTokenLogProbs, Tensor guideTokenLogProbs, Tensor mask, double epsilon, bool clip = true)
    {
        ArgumentNullException.ThrowIfNull(policyTokenLogProbs);
        ArgumentNullException.ThrowIfNull(guideTokenLogProbs);
        ArgumentNullException.ThrowIfNull(mask);
        CheckEpsilon(epsilon);
        if (policyTokenLogProbs.dim() != 2)
            throw new ArgumentException($"policyTokenLogProbs must be (B, T), got {TokenLoss.Shape(policyTokenLogProbs)}.", nameof(policyTokenLogProbs));
        if (!guideTokenLogProbs.shape.SequenceEqual(policyTokenLogProbs.shape))
            throw new ArgumentException($"guideTokenLogProbs must have the policy's shape {TokenLoss.Shape(policyTokenLogProbs)}, got {TokenLoss.Shape(guideTokenLogProbs)}.", nameof(guideTokenLogProbs));
        if (!mask.shape.SequenceEqual(policyTokenLogProbs.shape))
            throw new ArgumentException($"mask must have the policy's shape {TokenLoss.Shape(policyTokenLogProbs)}, got {TokenLoss.Shape(mask)}.", nameof(mask));
        using var scope = NewDisposeScope();
        var (m, counted) = TokenLoss.Normalize(mask.to(policyTokenLogProbs.device));
        var (w, _) = Compute(policyTokenLogProbs, guideTokenLogProbs.to(policyTokenLogProbs.device), m, counted, epsilon, clip);
        return w.MoveToOuterDisposeScope();
    }

    /// <summary>Eqs. 3–5; also returns which counted tokens sit at a clip bound.</summary>
    private static (Tensor Weights, Tensor AtBound) Compute(
        Tensor policyTokenLogProbs, Tensor guideTokenLogProbs, Tensor m, Tensor counted, double epsilon, bool clip)
    {
        using var noGrad = no_grad(); // w is a constant: the loss's gradient is w·∇log p_θ only
        var policy = policyTokenLogProbs.detach().to(ScalarType.Float32);
        var guideLp = guideTokenLogProbs.detach().to(ScalarType.Float32);

        // eq. 3: Δ = (−log p_θ) − (−log p_RL). Padding is zeroed with where(), not ·mask, since a
        // padded guide log-prob may be −inf and inf·0 is NaN.
        var delta = where(counted, guideLp - policy, zeros_like(policy));                    // (B, T)

        // eq. 4: centre per sequence over its counted tokens; an empty sequence divides by 1, not 0.
        var perSequence = m.sum(1, keepdim: true).clamp_min(1.0);                             // (B, 1)
        var centred = delta - delta.sum(1, keepdim: true) / perSequence;                      // (B, T)

        // eq. 5: w = clip(2σ(Δ̂), 1−ε, 1+ε).
        var raw = 2.0 * centred.sigmoid();
        Tensor w, atBound;
        if (clip)
        {
            w = raw.clamp(1.0 - epsilon, 1.0 + epsilon);
            atBound = counted.logical_and(raw.le(1.0 - epsilon).logical_or(raw.ge(1.0 + epsilon)));
        }
        else
        {
            w = raw;
            atBound = zeros_like(counted);
        }
        return (where(counted, w, zeros_like(w)), atBound);
    }

    private static void CheckEpsilon(double epsilon)
    {
        if (!(epsilon >= 0 && epsilon <= 1))
            throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "ReMiT epsilon must be in [0, 1] (weights are clipped to [1−ε, 1+ε]).");
    }
}
