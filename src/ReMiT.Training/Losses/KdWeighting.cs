using static TorchSharp.torch;

namespace ReMiT.Training.Losses;

/// <summary>
/// Knowledge distillation from the guide's full next-token distribution: the forward KL
/// KL(p_g ‖ p_θ) = Σ_v p_g(v)·(log p_g(v) − log p_θ(v)) per token, averaged over counted tokens,
/// optionally mixed with next-token prediction:
/// loss = (1−α)·KL + α·NTP, α = <see cref="NtpMix"/>.
/// With temperature τ both distributions are softened (logits / τ) and the KL is multiplied by τ²,
/// as in Hinton et al. (2015), so its gradient scale does not shrink as τ grows. The NTP term
/// always uses τ = 1.
/// </summary>
internal sealed class KdWeighting : ITokenWeighting
{
    public KdWeighting(double ntpMix = 0.0, double temperature = 1.0)
    {
        if (!(ntpMix >= 0 && ntpMix <= 1))
            throw new ArgumentOutOfRangeException(nameof(ntpMix), ntpMix, "KD ntpMix must be in [0, 1].");
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "KD temperature must be a positive finite number.");
        NtpMix = ntpMix;
        Temperature = temperature;
    }

    /// <summary>Weight α of the next-token loss; 1 − α goes to the KL.</summary>
    public double NtpMix { get; }

    /// <summary>Softmax temperature τ of the KL term.</summary>
    public double Temperature { get; }

    public string Name => "kd";

    public GuideNeed Need => GuideNeed.Logits;

    public TokenLossResult Loss(Tensor logits, Tensor targets, Tensor mask, GuideScores? guide)
    {
        TokenLoss.CheckInputs(logits, targets, mask);
        var guideLogits = guide?.Logits
            ?? throw new ArgumentException("KD needs the guide's full logits; pass GuideScores with Logits from a guide forward.", nameof(guide));
        if (!guideLogits.shape.SequenceEqual(logits.shape))
            throw new ArgumentException($"KD: guide Logits must have the policy logits' shape {TokenLoss.Shape(logits)} (same vocabulary), got {TokenLoss.Shape(guideLogits)}.", nameof(guide));
        using var scope = NewDisposeScope();
        var (m, counted) = TokenLoss.Normalize(mask);
        var count = m.sum();
        double tau = Temperature;

        var policyLogProbs = TokenLoss.LogSoftmax(logits);                                   // (B, T, V), with grad
        var policySoft = tau == 1.0 ? policyLogProbs : TokenLoss.LogSoftmax(logits.to(ScalarType.Float32) / tau);
        var guideSoft = TokenLoss.LogSoftmax(guideLogits.detach().to(logits.device).to(ScalarType.Float32) / tau);
        var guideProbs = guideSoft.exp();
        // p_g·(log p_g − log p_θ), with 0·log 0 = 0 where the guide gives a token no mass.
        var terms = where(guideProbs > 0, guideProbs * (guideSoft - policySoft), zeros_like(policySoft));
        var kl = terms.sum(-1) * (tau * tau);                                                   // (B, T)
        var klLoss = TokenLoss.MaskedMean(kl, m, count);

        Tensor loss = klLoss;
        if (NtpMix > 0)
        {
            var ntp = -TokenLoss.MaskedMean(TokenLoss.Gather(policyLogProbs, targets, counted), m, count);
            loss = (1.0 - NtpMix) * klLoss + NtpMix * ntp;
        }
        return TokenLoss.ToOuterScope(loss, count, TokenLoss.UnitWeights(count, logits.device));
    }
}
