using static TorchSharp.torch;

namespace ReMiT.Training.Losses;

/// <summary>
/// Rho-1's selective language modelling (Lin et al. 2024, "Not All Tokens Are What You Need"):
/// score each token by its excess loss s_t = L_θ(x_t) − L_ref(x_t) = (−log p_θ) − (−log p_ref)
/// (both detached), keep the top <see cref="KeepRatio"/> of the batch's counted tokens by score,
/// and train with the mean next-token loss over the kept tokens only.
/// <para>
/// "The batch" is the micro-batch this call sees, selected across all its sequences at once.
/// The kept count is the smallest k with k ≥ KeepRatio·N (N counted tokens), so any non-empty
/// batch keeps at least one token. Ties break by position (earlier flattened index first), so the
/// selection is deterministic. Selection runs entirely on the device: no host sync.
/// </para>
/// </summary>
public sealed class Rho1Weighting : ITokenWeighting
{
    // KeepRatio·N in float64 can land a hair above an integer (0.7·10 = 7.000000000000001),
    // which ceil() would turn into one token too many.
    private const double CountTolerance = 1e-6;

    public Rho1Weighting(double keepRatio = 0.8)
    {
        if (!(keepRatio > 0 && keepRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(keepRatio), keepRatio, "Rho-1 keepRatio must be in (0, 1].");
        KeepRatio = keepRatio;
    }

    /// <summary>Fraction of the batch's counted tokens trained on.</summary>
    public double KeepRatio { get; }

    public string Name => "rho1";

    public GuideNeed Need => GuideNeed.TokenLogProbs;

    public TokenLossResult Loss(Tensor logits, Tensor targets, Tensor mask, GuideScores? guide)
    {
        TokenLoss.CheckInputs(logits, targets, mask);
        var refLogProbs = TokenLoss.RequireGuideTokenLogProbs(guide, targets, "Rho-1");
        using var scope = NewDisposeScope();
        var (m, counted) = TokenLoss.Normalize(mask);
        var count = m.sum();
        var tokenLogProbs = TokenLoss.Gather(TokenLoss.LogSoftmax(logits), targets, counted); // (B, T), with grad
        var selected = Select(tokenLogProbs, refLogProbs.to(logits.device), counted, KeepRatio); // (B, T) float 0/1
        var selectedCount = selected.sum();

        var loss = -TokenLoss.MaskedMean(tokenLogProbs, selected, selectedCount);
        var (mean, std) = TokenLoss.MeanStd(selected, m, count);
        var clipped = zeros(size: [], device: logits.device);
        var share = selectedCount / count.clamp_min(1.0);
        return TokenLoss.ToOuterScope(loss, selectedCount, new WeightStats(mean, std, clipped, share));
    }

    /// <summary>
    /// (B, T) float32 0/1 selection of the top <paramref name="keepRatio"/> counted tokens by excess
    /// loss, detached.
    /// </summary>
    public static Tensor Select(Tensor policyTokenLogProbs, Tensor refTokenLogProbs, Tensor counted, double keepRatio)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var policy = policyTokenLogProbs.detach().to(ScalarType.Float32);
        var reference = refTokenLogProbs.detach().to(ScalarType.Float32);
        // s = L_θ − L_ref = (−log p_θ) − (−log p_ref); padding sorts last.
        var score = where(counted, reference - policy, full_like(policy, double.NegativeInfinity)).flatten(); // (N)
        // Stable descending sort: equal scores keep index order, so ties are deterministic.
        var (_, order) = score.sort(dim: 0, descending: true, stable: true);
        var rank = empty_like(order).scatter_(0, order, arange(order.shape[0], dtype: ScalarType.Int64, device: order.device));
        var n = counted.sum().to(ScalarType.Float64);
        var k = (n * keepRatio - CountTolerance).ceil().clamp_min(0.0);                        // 0-dim
        var selected = rank.to(ScalarType.Float64).lt(k).logical_and(counted.flatten());
        return selected.to(ScalarType.Float32).reshape(policy.shape).MoveToOuterDisposeScope();
    }
}
