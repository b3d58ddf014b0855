using ReMiT.Training.Losses;
using static ReMiT.Training.Tests.Losses.LossFixtures;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Losses;

/// <summary>
/// ReMiT weights and loss (arXiv 2602.03075 eqs. 3–6) against arithmetic done by hand on doubles.
/// The batch: 2 sequences × 3 tokens, vocabulary 4, every position predicting p = (1/2, 1/4, 1/8, 1/8).
/// Sequence 0 targets tokens 0, 1, 2 (log p = log ½, log ¼, log ⅛); sequence 1 targets 1, 1 and
/// then padding (target −100, guide log-prob −inf, mask 0), which must neither crash nor leak NaN.
/// Guide log-probs are log p_θ + Δ for chosen Δ (eq. 3 gives Δ = log p_RL − log p_θ):
/// Δ₀ = (−2.2, −2.0, 0), Δ₁ = (0.3, 0.1).
/// </summary>
public sealed class ReMiTWeightingTests
{
    private static readonly double[,] PolicyLogProbs =
    {
        { Math.Log(0.5), Math.Log(0.25), Math.Log(0.125) },
        { Math.Log(0.25), Math.Log(0.25), 0.0 },
    };

    private static readonly double[,] Delta = { { -2.2, -2.0, 0.0 }, { 0.3, 0.1, 0.0 } };

    private static readonly long[,] TargetIds = { { 0, 1, 2 }, { 1, 1, -100 } };

    private static readonly double[,] MaskValues = { { 1, 1, 1 }, { 1, 1, 0 } };

    // eq. 4 by hand: sequence 0's mean Δ is (−2.2 − 2.0 + 0)/3 = −1.4, so Δ̂₀ = (−0.8, −0.6, 1.4);
    // sequence 1's mean over its two real tokens is 0.2, so Δ̂₁ = (0.1, −0.1).
    private static readonly double[,] Centred = { { -0.8, -0.6, 1.4 }, { 0.1, -0.1, 0.0 } };

    // eq. 5 before clipping, 2σ(Δ̂): 2σ(−0.8) = 0.6200, 2σ(−0.6) = 0.7086, 2σ(1.4) = 1.6044,
    // 2σ(0.1) = 1.0500, 2σ(−0.1) = 0.9500.
    private static double Raw(int b, int t) => 2 * Sigmoid(Centred[b, t]);

    private static Tensor GuideLogProbs()
    {
        var g = new double[2, 3];
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
                g[b, t] = PolicyLogProbs[b, t] + Delta[b, t];
        g[1, 2] = double.NegativeInfinity; // padding: a guide may emit anything there
        return Floats(g);
    }

    [Fact]
    public void Weights_DefaultEpsilon_CentresPerSequenceAndClipsAtBothBounds()
    {
        using var scope = NewDisposeScope();
        var w = ReMiTWeighting.Weights(Floats(PolicyLogProbs), GuideLogProbs(), Floats(MaskValues), 0.2);

        // ε = 0.2 → [0.8, 1.2]: 0.6200 and 0.7086 clip up to 0.8, 1.6044 clips down to 1.2;
        // sequence 1 stays inside the band; padding gets weight 0.
        double[,] expected = { { 0.8, 0.8, 1.2 }, { Raw(1, 0), Raw(1, 1), 0.0 } };
        Near(expected, ToArray(w));
        Near(1.0499584, Raw(1, 0), 1e-6, "2σ(0.1)");
    }

    [Fact]
    public void Weights_EpsilonHalf_ClipsOnlyTheTokenAboveTheBand()
    {
        using var scope = NewDisposeScope();
        var w = ReMiTWeighting.Weights(Floats(PolicyLogProbs), GuideLogProbs(), Floats(MaskValues), 0.5);

        // ε = 0.5 → [0.5, 1.5]: only 2σ(1.4) = 1.6044 is clipped.
        double[,] expected = { { Raw(0, 0), Raw(0, 1), 1.5 }, { Raw(1, 0), Raw(1, 1), 0.0 } };
        Near(expected, ToArray(w));
    }

    [Fact]
    public void Weights_EpsilonTenth_ClipsEverySequenceZeroToken()
    {
        using var scope = NewDisposeScope();
        var w = ReMiTWeighting.Weights(Floats(PolicyLogProbs), GuideLogProbs(), Floats(MaskValues), 0.1);

        // ε = 0.1 → [0.9, 1.1]: sequence 1's 1.0500 and 0.9500 are still inside.
        double[,] expected = { { 0.9, 0.9, 1.1 }, { Raw(1, 0), Raw(1, 1), 0.0 } };
        Near(expected, ToArray(w));
    }

    [Fact]
    public void Weights_NoClip_EqualsTwoSigmoidOfCentredDelta()
    {
        using var scope = NewDisposeScope();
        var w = ReMiTWeighting.Weights(Floats(PolicyLogProbs), GuideLogProbs(), Floats(MaskValues), 0.2, clip: false);

        double[,] expected = { { Raw(0, 0), Raw(0, 1), Raw(0, 2) }, { Raw(1, 0), Raw(1, 1), 0.0 } };
        Near(expected, ToArray(w));
    }

    [Fact]
    public void Weights_ShiftOneSequenceOrEditPadding_WeightsUnchanged()
    {
        using var scope = NewDisposeScope();
        var policy = Floats(PolicyLogProbs);
        var mask = Floats(MaskValues);
        var before = ToArray(ReMiTWeighting.Weights(policy, GuideLogProbs(), mask, 0.5));

        // Centring is per sequence, so a constant added to one sequence's Δ cancels there and
        // cannot reach the other sequence; a padded position never enters the mean.
        var guide = GuideLogProbs().clone();
        guide[0] = guide[0] + 0.7f;
        guide[1, 2] = tensor(123.0f);
        var after = ToArray(ReMiTWeighting.Weights(policy, guide, mask, 0.5));

        Near(before, after);
    }

    [Fact]
    public void Weights_AllPaddingSequence_ZerosWithoutNaN()
    {
        using var scope = NewDisposeScope();
        double[,] mask = { { 1, 1, 1 }, { 0, 0, 0 } };
        var w = ToArray(ReMiTWeighting.Weights(Floats(PolicyLogProbs), GuideLogProbs(), Floats(mask), 0.2));

        Near(new double[,] { { 0.8, 0.8, 1.2 }, { 0, 0, 0 } }, w);
    }

    [Fact]
    public void Weights_ShapeMismatch_ThrowsNamingGuide()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() =>
            ReMiTWeighting.Weights(Floats(PolicyLogProbs), zeros(2, 4), Floats(MaskValues), 0.2));
        Assert.Equal("guideTokenLogProbs", ex.ParamName);
    }

    [Fact]
    public void Loss_HandComputedBatch_NormalisesByTokenCountNotWeightSum()
    {
        using var scope = NewDisposeScope();
        var weighting = new ReMiTWeighting(epsilon: 0.2);
        var result = weighting.Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), new GuideScores(GuideLogProbs()));

        // eq. 6: −(1/N) Σ w·log p with N = 5 counted tokens; Σw = 0.8 + 0.8 + 1.2 + 1.0500 + 0.9500 = 4.8 ≠ 5,
        // so normalising by Σw would give a different number.
        double[] w = [0.8, 0.8, 1.2, Raw(1, 0), Raw(1, 1)];
        double[] logp = [Math.Log(0.5), Math.Log(0.25), Math.Log(0.125), Math.Log(0.25), Math.Log(0.25)];
        double weighted = 0;
        for (int i = 0; i < 5; i++) weighted += w[i] * logp[i];
        Near(-weighted / 5, Scalar(result.Loss));
        Assert.NotEqual(-weighted / w.Sum(), Scalar(result.Loss), 3);
        Near(5, Scalar(result.TokenCount));

        double mean = w.Average();                                              // 4.8 / 5 = 0.96
        double std = Math.Sqrt(w.Select(x => (x - mean) * (x - mean)).Average());
        Near(mean, Scalar(result.Stats.Mean));
        Near(std, Scalar(result.Stats.Std));
        Near(3.0 / 5, Scalar(result.Stats.ClippedShare));                     // the three in sequence 0
        Near(1.0, Scalar(result.Stats.SelectedShare));
        Assert.Equal(0, result.Loss.dim());
    }

    [Fact]
    public void Loss_Backward_GradientIsConstantWeightTimesNtpGradient()
    {
        using var scope = NewDisposeScope();
        var logits = Logits(2, 3);
        var result = new ReMiTWeighting(0.2).Loss(logits, Targets(TargetIds), Floats(MaskValues), new GuideScores(GuideLogProbs()));
        result.Loss.backward();

        // w is a constant, so ∂loss/∂logits = −w·(onehot(target) − softmax)/N at counted tokens and 0 at padding.
        // Were the weights differentiable, extra terms through σ(Δ̂) would appear.
        double[,] w = { { 0.8, 0.8, 1.2 }, { Raw(1, 0), Raw(1, 1), 0.0 } };
        var grad = logits.grad!.to(ScalarType.Float64).data<double>().ToArray();
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
                for (int v = 0; v < Vocab; v++)
                {
                    double expected = MaskValues[b, t] == 0 ? 0.0
                        : -w[b, t] * ((TargetIds[b, t] == v ? 1.0 : 0.0) - Probs[v]) / 5;
                    Near(expected, grad[(b * 3 + t) * Vocab + v], 1e-5, $"grad[{b},{t},{v}]");
                }
    }

    [Fact]
    public void Loss_EpsilonZero_EqualsUniform()
    {
        using var scope = NewDisposeScope();
        var guide = new GuideScores(GuideLogProbs());
        var remit = new ReMiTWeighting(epsilon: 0.0).Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), guide);
        var uniform = new UniformConfig().Build().Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), null);

        Near(Scalar(uniform.Loss), Scalar(remit.Loss));
        Near(1.0, Scalar(remit.Stats.ClippedShare)); // every weight sits at 1 − 0 = 1 + 0
    }

    [Fact]
    public void Loss_AllPaddingBatch_ZeroLossAndStatsWithoutNaN()
    {
        using var scope = NewDisposeScope();
        var mask = zeros(2, 3);
        var result = new ReMiTWeighting().Loss(Logits(2, 3), Targets(TargetIds), mask, new GuideScores(GuideLogProbs()));

        Assert.Equal(0.0, Scalar(result.Loss));
        Assert.Equal(0.0, Scalar(result.TokenCount));
        foreach (var stat in new[] { result.Stats.Mean, result.Stats.Std, result.Stats.ClippedShare, result.Stats.SelectedShare })
            Assert.Equal(0.0, Scalar(stat));
    }

    [Fact]
    public void Loss_NoGuide_ThrowsNamingGuide()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() =>
            new ReMiTWeighting().Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), null));
        Assert.Equal("guide", ex.ParamName);
    }

    [Fact]
    public void Loss_MaskShapeMismatch_ThrowsNamingMask()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() =>
            new ReMiTWeighting().Loss(Logits(2, 3), Targets(TargetIds), ones(2, 2), new GuideScores(GuideLogProbs())));
        Assert.Equal("mask", ex.ParamName);
    }
}
