using ReMiT.Training.Losses;
using static ReMiT.Training.Tests.Losses.LossFixtures;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Losses;

public sealed class UniformWeightingTests
{
    private static readonly long[,] TargetIds = { { 0, 1, 2 }, { 3, 0, -100 } };
    private static readonly double[,] MaskValues = { { 1, 1, 1 }, { 1, 1, 0 } };

    [Fact]
    public void Loss_PaddedBatch_IsMeanNllOverCountedTokens()
    {
        using var scope = NewDisposeScope();
        var result = new UniformWeighting().Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), null);

        // −(log ½ + log ¼ + log ⅛ + log ⅛ + log ½) / 5 = (1 + 2 + 3 + 3 + 1)·ln2 / 5 = 2·ln2
        Near(2 * Math.Log(2), Scalar(result.Loss));
        Near(5, Scalar(result.TokenCount));
        Near(1, Scalar(result.Stats.Mean));
        Near(0, Scalar(result.Stats.Std));
        Near(0, Scalar(result.Stats.ClippedShare));
        Near(1, Scalar(result.Stats.SelectedShare));
    }

    [Fact]
    public void Loss_Backward_GradientIsSoftmaxMinusOneHotOverCount()
    {
        using var scope = NewDisposeScope();
        var logits = Logits(2, 3);
        new UniformWeighting().Loss(logits, Targets(TargetIds), Floats(MaskValues), null).Loss.backward();

        var grad = logits.grad!.to(ScalarType.Float64).data<double>().ToArray();
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
                for (int v = 0; v < Vocab; v++)
                {
                    double expected = MaskValues[b, t] == 0 ? 0 : (Probs[v] - (TargetIds[b, t] == v ? 1 : 0)) / 5.0;
                    Near(expected, grad[(b * 3 + t) * Vocab + v], 1e-6, $"grad[{b},{t},{v}]");
                }
    }

    [Fact]
    public void Loss_Bfloat16Logits_ComputesInFloat32()
    {
        using var scope = NewDisposeScope();
        var logits = Logits(2, 3).detach().to(ScalarType.BFloat16);
        var result = new UniformWeighting().Loss(logits, Targets(TargetIds), Floats(MaskValues), null);

        Assert.Equal(ScalarType.Float32, result.Loss.dtype);
        Near(2 * Math.Log(2), Scalar(result.Loss), 1e-2);
    }

    [Fact]
    public void Loss_TargetsNot2d_ThrowsNamingTargets()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() =>
            new UniformWeighting().Loss(Logits(2, 3), zeros([2, 3, 1], ScalarType.Int64), Floats(MaskValues), null));
        Assert.Equal("targets", ex.ParamName);
        Assert.Contains("(2, 3, 1)", ex.Message);
    }
}
