using ReMiT.Training.Losses;
using static ReMiT.Training.Tests.Losses.LossFixtures;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Losses;

/// <summary>
/// Rho-1 selection on a 2 × 3 batch with 5 counted tokens. Policy log-probs (fixture p = ½, ¼, ⅛, ⅛):
/// sequence 0 targets 0, 1, 2 → log ½, log ¼, log ⅛; sequence 1 targets 3, 0, pad → log ⅛, log ½.
/// Reference log-probs are log p_θ + s, so the excess loss s = L_θ − L_ref is chosen directly:
/// s = ((0.5, 2.0, −1.0), (2.0, 0.1, 9.0 at the padding)). Ranked: [0,1] = [1,0] = 2.0 (a tie,
/// [0,1] comes first in flattened order), then [0,0] 0.5, [1,1] 0.1, [0,2] −1.0. The padding's
/// high score must never be selected.
/// </summary>
public sealed class Rho1WeightingTests
{
    private static readonly long[,] TargetIds = { { 0, 1, 2 }, { 3, 0, 0 } };
    private static readonly double[,] MaskValues = { { 1, 1, 1 }, { 1, 1, 0 } };
    private static readonly double[,] PolicyLogProbs =
    {
        { Math.Log(0.5), Math.Log(0.25), Math.Log(0.125) },
        { Math.Log(0.125), Math.Log(0.5), Math.Log(0.5) },
    };
    private static readonly double[,] Score = { { 0.5, 2.0, -1.0 }, { 2.0, 0.1, 9.0 } };

    private static GuideScores Reference()
    {
        var r = new double[2, 3];
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
                r[b, t] = PolicyLogProbs[b, t] + Score[b, t];
        return new GuideScores(Floats(r));
    }

    [Fact]
    public void Loss_DefaultKeepRatio_DropsLowestScoringTokenAndAveragesTheRest()
    {
        using var scope = NewDisposeScope();
        var logits = Logits(2, 3);
        var result = new Rho1Config().Build().Loss(logits, Targets(TargetIds), Floats(MaskValues), Reference());

        // k = ceil(0.8·5) = 4: everything but [0,2] (s = −1.0).
        // loss = −(log ¼ + log ⅛ + log ½ + log ½) / 4 = (2 + 3 + 1 + 1)·ln2 / 4
        Near(7 * Math.Log(2) / 4, Scalar(result.Loss));
        Near(4, Scalar(result.TokenCount));
        Near(4.0 / 5, Scalar(result.Stats.SelectedShare));
        Near(0.8, Scalar(result.Stats.Mean));                       // 0/1 weights over 5 tokens
        Near(Math.Sqrt(0.8 * 0.2), Scalar(result.Stats.Std));
        Near(0, Scalar(result.Stats.ClippedShare));

        // Unselected and padded tokens get no gradient at all.
        result.Loss.backward();
        var grad = logits.grad!;
        Assert.Equal(0.0, Scalar(grad[0, 2].abs().sum()));
        Assert.Equal(0.0, Scalar(grad[1, 2].abs().sum()));
        Assert.True(Scalar(grad[1, 0].abs().sum()) > 0);
    }

    [Theory]
    [InlineData(0.2, new[] { 1 })]                      // k = 1: the tie at 2.0 goes to the earlier index
    [InlineData(0.4, new[] { 1, 3 })]                   // k = 2: both tied tokens
    [InlineData(0.5, new[] { 0, 1, 3 })]                // k = ceil(2.5) = 3
    [InlineData(1.0, new[] { 0, 1, 2, 3, 4 })]          // everything counted, never the padding (index 5)
    public void Select_KeepRatio_PicksTopScoresDeterministically(double keepRatio, int[] expectedFlat)
    {
        using var scope = NewDisposeScope();
        var counted = Floats(MaskValues) > 0;
        var selected = Rho1Weighting.Select(Floats(PolicyLogProbs), Reference().TokenLogProbs, counted, keepRatio);

        var flat = selected.flatten().data<float>().ToArray();
        var picked = Enumerable.Range(0, flat.Length).Where(i => flat[i] == 1f).ToArray();
        Assert.Equal(expectedFlat, picked);
    }

    [Fact]
    public void Select_RatioTimesCountJustAboveInteger_DoesNotRoundUp()
    {
        using var scope = NewDisposeScope();
        // 0.7·10 = 7.000000000000001 in doubles; the kept count must be 7, not 8.
        var policy = zeros(1, 10);
        var reference = arange(10, dtype: ScalarType.Float32).reshape(1, 10);
        var selected = Rho1Weighting.Select(policy, reference, ones(1, 10) > 0, 0.7);

        Assert.Equal(7.0, Scalar(selected.sum()));
        Assert.Equal(0.0, Scalar(selected[0, ..3].sum())); // the three lowest scores are dropped
    }

    [Fact]
    public void Loss_KeepAll_EqualsUniform()
    {
        using var scope = NewDisposeScope();
        var rho = new Rho1Weighting(1.0).Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), Reference());
        var uniform = new UniformWeighting().Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), null);

        Near(Scalar(uniform.Loss), Scalar(rho.Loss));
    }

    [Fact]
    public void Loss_AllPadding_ZeroLossWithoutNaN()
    {
        using var scope = NewDisposeScope();
        var result = new Rho1Weighting().Loss(Logits(2, 3), Targets(TargetIds), zeros(2, 3), Reference());

        Assert.Equal(0.0, Scalar(result.Loss));
        Assert.Equal(0.0, Scalar(result.TokenCount));
        Assert.Equal(0.0, Scalar(result.Stats.SelectedShare));
    }
}
