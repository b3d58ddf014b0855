using ReMiT.Training.Losses;
using static ReMiT.Training.Tests.Losses.LossFixtures;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Losses;

public sealed class KdWeightingTests
{
    private static readonly long[,] TargetIds = { { 0, 1, 2 }, { 3, 0, -100 } };
    private static readonly double[,] MaskValues = { { 1, 1, 1 }, { 1, 1, 0 } };

    private static Tensor UniformGuideLogits() => zeros(2, 3, Vocab); // p_g = ¼ everywhere

    [Fact]
    public void Loss_GuideEqualsPolicy_ZeroLossAndGradient()
    {
        using var scope = NewDisposeScope();
        var logits = Logits(2, 3);
        var guide = new GuideScores(zeros(2, 3), logits.detach().clone());
        var result = new KdWeighting().Loss(logits, Targets(TargetIds), Floats(MaskValues), guide);
        result.Loss.backward();

        Near(0, Scalar(result.Loss), 1e-6);
        Assert.True(Scalar(logits.grad!.abs().max()) < 1e-6);
    }

    [Fact]
    public void Loss_UniformGuide_MatchesHandKlAndGradient()
    {
        using var scope = NewDisposeScope();
        var logits = Logits(2, 3);
        var result = new KdWeighting().Loss(logits, Targets(TargetIds), Floats(MaskValues), new GuideScores(zeros(2, 3), UniformGuideLogits()));
        result.Loss.backward();

        // KL(p_g ‖ p_θ) = Σ ¼·(log ¼ − log p_v) = ¼·(−ln2 + 0 + ln2 + ln2) = ¼·ln2 at every token,
        // so the mean over the 5 counted tokens is ¼·ln2 too.
        double kl = 0;
        foreach (double p in Probs) kl += 0.25 * (Math.Log(0.25) - Math.Log(p));
        Near(0.25 * Math.Log(2), kl, 1e-12, "hand KL");
        Near(kl, Scalar(result.Loss));
        Near(5, Scalar(result.TokenCount));

        // ∂KL/∂logits = (p_θ − p_g) / N at counted tokens, 0 at padding.
        var grad = logits.grad!.to(ScalarType.Float64).data<double>().ToArray();
        for (int b = 0; b < 2; b++)
            for (int t = 0; t < 3; t++)
                for (int v = 0; v < Vocab; v++)
                    Near(MaskValues[b, t] == 0 ? 0 : (Probs[v] - 0.25) / 5, grad[(b * 3 + t) * Vocab + v], 1e-6, $"grad[{b},{t},{v}]");
    }

    [Fact]
    public void Loss_TemperatureTwo_SoftensBothAndScalesByTauSquared()
    {
        using var scope = NewDisposeScope();
        double[] guideRow = [1.0, -0.5, 0.25, 2.0];
        var guideLogits = tensor(guideRow.Select(v => (float)v).ToArray()).expand(2, 3, Vocab).contiguous();
        var result = new KdWeighting(temperature: 2.0).Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), new GuideScores(zeros(2, 3), guideLogits));

        // τ = 2: log-softmax of logits / 2 for both, then KL · τ² (Hinton et al. 2015).
        var policySoft = LogSoftmax(Probs.Select(p => Math.Log(p) / 2).ToArray());
        var guideSoft = LogSoftmax(guideRow.Select(g => g / 2).ToArray());
        double kl = 0;
        for (int v = 0; v < Vocab; v++) kl += Math.Exp(guideSoft[v]) * (guideSoft[v] - policySoft[v]);
        Near(4 * kl, Scalar(result.Loss));
    }

    [Fact]
    public void Loss_NtpMixOne_EqualsUniformLossAndGradient()
    {
        using var scope = NewDisposeScope();
        var kdLogits = Logits(2, 3);
        var uniformLogits = Logits(2, 3);
        var kd = new KdConfig(NtpMix: 1.0).Build().Loss(kdLogits, Targets(TargetIds), Floats(MaskValues), new GuideScores(zeros(2, 3), UniformGuideLogits()));
        var uniform = new UniformWeighting().Loss(uniformLogits, Targets(TargetIds), Floats(MaskValues), null);
        kd.Loss.backward();
        uniform.Loss.backward();

        Near(Scalar(uniform.Loss), Scalar(kd.Loss));
        Assert.True(Scalar((kdLogits.grad! - uniformLogits.grad!).abs().max()) < 1e-7);
    }

    [Fact]
    public void Loss_NtpMixQuarter_MixesKlAndNtp()
    {
        using var scope = NewDisposeScope();
        var result = new KdWeighting(ntpMix: 0.25).Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), new GuideScores(zeros(2, 3), UniformGuideLogits()));

        // KL = ¼·ln2 (above); NTP = −(log ½ + log ¼ + log ⅛ + log ⅛ + log ½)/5 = 2·ln2.
        Near(0.75 * 0.25 * Math.Log(2) + 0.25 * 2 * Math.Log(2), Scalar(result.Loss));
    }

    [Fact]
    public void Loss_GuideVocabularyDiffers_ThrowsNamingGuide()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() =>
            new KdWeighting().Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), new GuideScores(zeros(2, 3), zeros(2, 3, 5))));
        Assert.Equal("guide", ex.ParamName);
        Assert.Contains("(2, 3, 5)", ex.Message);
    }

    [Fact]
    public void Loss_GuideWithoutLogits_ThrowsNamingGuide()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() =>
            new KdWeighting().Loss(Logits(2, 3), Targets(TargetIds), Floats(MaskValues), new GuideScores(zeros(2, 3))));
        Assert.Equal("guide", ex.ParamName);
    }
}
