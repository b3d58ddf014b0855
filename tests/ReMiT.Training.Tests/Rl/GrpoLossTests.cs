using ReMiT.Training.Rl;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Rl;

/// <summary>
/// The clipped GRPO loss against hand arithmetic. Log-probs are built as log(½) + log(ratio), so
/// every importance ratio is exactly the chosen one.
/// </summary>
public sealed class GrpoLossTests
{
    private static readonly double Half = Math.Log(0.5);

    private static Tensor Row2(double[,] v) =>
        tensor(v.Cast<double>().Select(x => (float)x).ToArray(), [v.GetLength(0), v.GetLength(1)], ScalarType.Float32);

    private static double Scalar(Tensor t) => t.to(ScalarType.Float64).item<double>();

    /// <summary>New log-probs log(½·ratio) as a leaf with gradient, behaviour log-probs log ½.</summary>
    private static (Tensor New, Tensor Behaviour) WithRatios(double[,] ratios)
    {
        var lp = new double[ratios.GetLength(0), ratios.GetLength(1)];
        for (int b = 0; b < lp.GetLength(0); b++)
            for (int t = 0; t < lp.GetLength(1); t++)
                lp[b, t] = Half + Math.Log(ratios[b, t]);
        return (Row2(lp).requires_grad_(true), full(ratios.GetLength(0), ratios.GetLength(1), (float)Half));
    }

    [Fact]
    public void Compute_RatiosOutsideBand_ClipsWhereBindingWithZeroGradient()
    {
        using var scope = NewDisposeScope();
        // Sequence 0 has A = +1, sequence 1 has A = −1; each sees ratios 1.5 and 0.5. Band [0.8, 1.28].
        var (newLp, oldLp) = WithRatios(new double[,] { { 1.5, 0.5 }, { 0.5, 1.5 } });
        var result = GrpoLoss.Compute(newLp, oldLp, tensor(new float[] { 1, -1 }), ones(2, 2), new GrpoLossConfig());
        result.Loss.backward();

        // ℓ = −min(r·A, clip(r)·A):
        //   A=+1, r=1.5: −min(1.5, 1.28) = −1.28 (clipped high)    A=+1, r=0.5: −min(0.5, 0.8) = −0.5 (unclipped)
        //   A=−1, r=0.5: −min(−0.5, −0.8) = 0.8 (clipped low)      A=−1, r=1.5: −min(−1.5, −1.28) = 1.5 (unclipped)
        Assert.Equal((-1.28 - 0.5 + 0.8 + 1.5) / 4, Scalar(result.Loss), 5);
        Assert.Equal(0.5, Scalar(result.ClipFraction), 6);
        Assert.Equal(1.0, Scalar(result.RatioMean), 5);
        double k3 = (1.5 - 1 - Math.Log(1.5)) + (0.5 - 1 - Math.Log(0.5));   // (r − 1) − log r, twice each
        Assert.Equal(k3 / 2, Scalar(result.ApproxKl), 5);
        Assert.Equal(0.0, Scalar(result.RefKl));

        // ∂ℓ/∂log π_θ = −r·A / N where unclipped, exactly 0 where the clip binds.
        var grad = newLp.grad!.data<float>().ToArray();
        Assert.Equal(0.0, grad[0]);
        Assert.Equal(-0.5 * 1 / 4, grad[1], 5);
        Assert.Equal(0.0, grad[2]);
        Assert.Equal(-1.5 * -1 / 4, grad[3], 5);
    }

    [Fact]
    public void Compute_RatioBetweenSymmetricAndClipHigh_OnlyDecoupledBoundLetsItThrough()
    {
        using var scope = NewDisposeScope();
        // r = 1.25 with A > 0: inside DAPO's [0.8, 1.28], clipped by a symmetric ε = 0.2.
        var (newLp, oldLp) = WithRatios(new double[,] { { 1.25 } });
        var advantages = tensor(new float[] { 2 });
        var dapo = GrpoLoss.Compute(newLp, oldLp, advantages, ones(1, 1), new GrpoLossConfig());
        var symmetric = GrpoLoss.Compute(newLp, oldLp, advantages, ones(1, 1), new GrpoLossConfig(ClipHigh: 0.2));

        Assert.Equal(-1.25 * 2, Scalar(dapo.Loss), 5);
        Assert.Equal(0.0, Scalar(dapo.ClipFraction));
        Assert.Equal(-1.2 * 2, Scalar(symmetric.Loss), 5);
        Assert.Equal(1.0, Scalar(symmetric.ClipFraction));
    }

    [Fact]
    public void Compute_WithReference_AddsBetaTimesK3()
    {
        using var scope = NewDisposeScope();
        var (newLp, oldLp) = WithRatios(new double[,] { { 1.0, 1.0 } });    // ratio 1: policy term = −A
        var refLp = full(1, 2, (float)Math.Log(0.25));
        var result = GrpoLoss.Compute(newLp, oldLp, tensor(new float[] { 0.5f }), ones(1, 2), new GrpoLossConfig(KlBeta: 0.1), refLp);
        result.Loss.backward();

        // ref − new = log ¼ − log ½ = −ln2, so k3 = e^(−ln2) + ln2 − 1 = ½ + ln2 − 1 ≈ 0.1931.
        double k3 = 0.5 + Math.Log(2) - 1;
        Assert.Equal(k3, Scalar(result.RefKl), 5);
        Assert.Equal(-0.5 + 0.1 * k3, Scalar(result.Loss), 5);
        // ∂/∂new of β·k3 = β·(1 − e^(ref−new)) = 0.1·½; of −r·A = −A. Each over N = 2.
        foreach (float g in newLp.grad!.data<float>().ToArray())
            Assert.Equal((-0.5 + 0.1 * 0.5) / 2, g, 5);
    }

    [Fact]
    public void Compute_RandomReference_K3NonNegativeAndZeroWhenEqual()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(3);
        var newLp = -rand([4, 5], generator: gen) * 3;
        var refLp = -rand([4, 5], generator: gen) * 3;
        var config = new GrpoLossConfig(KlBeta: 0.01);
        var random = GrpoLoss.Compute(newLp, newLp, zeros(4), ones(4, 5), config, refLp);
        var same = GrpoLoss.Compute(newLp, newLp, zeros(4), ones(4, 5), config, newLp);

        Assert.True(Scalar(random.RefKl) > 0);
        Assert.Equal(0.0, Scalar(same.RefKl), 7);
        Assert.Equal(0.0, Scalar(same.Loss), 7);   // A = 0 and k3 = 0
    }

    [Fact]
    public void Compute_UnequalLengths_TokenAndSequenceNormalisationDiffer()
    {
        using var scope = NewDisposeScope();
        // Ratio 1 everywhere, so each token's loss is −A. Sequence 0: 1 token, A = 2 → −2.
        // Sequence 1: 3 tokens, A = −1 → +1 each. Sequence 2: empty (all padding).
        var newLp = full(3, 3, (float)Half);
        var mask = Row2(new double[,] { { 1, 0, 0 }, { 1, 1, 1 }, { 0, 0, 0 } });
        var advantages = tensor(new float[] { 2, -1, 5 });

        var token = GrpoLoss.Compute(newLp, newLp, advantages, mask, new GrpoLossConfig(Normalization: LossNormalization.Token));
        var sequence = GrpoLoss.Compute(newLp, newLp, advantages, mask, new GrpoLossConfig(Normalization: LossNormalization.Sequence));

        Assert.Equal((-2 + 3 * 1.0) / 4, Scalar(token.Loss), 6);     // Σ over 4 tokens / 4 = 0.25
        Assert.Equal((-2 + 1.0) / 2, Scalar(sequence.Loss), 6);      // mean of per-sequence means; the empty one is skipped = −0.5
    }

    [Fact]
    public void Compute_PaddingWithInfiniteLogProbs_StaysFinite()
    {
        using var scope = NewDisposeScope();
        var newLp = Row2(new double[,] { { Half, double.NegativeInfinity } });
        var oldLp = Row2(new double[,] { { Half, 0.0 } });
        var result = GrpoLoss.Compute(newLp, oldLp, tensor(new float[] { 1 }), Row2(new double[,] { { 1, 0 } }), new GrpoLossConfig(KlBeta: 0.1), oldLp);

        Assert.Equal(-1.0, Scalar(result.Loss), 6);
        Assert.True(double.IsFinite(Scalar(result.ApproxKl)));
    }

    [Fact]
    public void Compute_BetaWithoutReference_ThrowsNamingRefLogProbs()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() =>
            GrpoLoss.Compute(zeros(1, 2), zeros(1, 2), zeros(1), ones(1, 2), new GrpoLossConfig(KlBeta: 0.001)));
        Assert.Equal("refLogProbs", ex.ParamName);
    }

    [Fact]
    public void Compute_AdvantagesPerToken_ThrowsNamingAdvantages()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() =>
            GrpoLoss.Compute(zeros(2, 3), zeros(2, 3), zeros(2, 3), ones(2, 3), new GrpoLossConfig()));
        Assert.Equal("advantages", ex.ParamName);
        Assert.Contains("(2, 3)", ex.Message);
    }

    [Fact]
    public void Validate_BadValues_ListsEveryProblem()
    {
        var errors = new GrpoLossConfig(ClipLow: 1.0, ClipHigh: -0.1, KlBeta: double.NaN).Validate();

        Assert.Equal(3, errors.Count);
        Assert.Empty(new GrpoLossConfig().Validate());
        var defaults = new GrpoLossConfig();
        Assert.Equal((0.2, 0.28, 0.0, LossNormalization.Token), (defaults.ClipLow, defaults.ClipHigh, defaults.KlBeta, defaults.Normalization));
    }
}
