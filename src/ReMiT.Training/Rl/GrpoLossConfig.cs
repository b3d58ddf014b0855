namespace ReMiT.Training.Rl;

/// <summary>How the per-token policy-gradient loss is averaged.</summary>
public enum LossNormalization
{
    /// <summary>DAPO token-level: Σ over every completion token of the batch / total tokens, so long answers weigh by length.</summary>
    Token,

    /// <summary>GRPO's original: mean over the tokens of each sequence, then mean over sequences.</summary>
    Sequence,
}

/// <summary>Settings of the clipped GRPO/PPO policy loss.</summary>
/// <param name="ClipLow">ε_low: the ratio is clipped below at 1 − ε_low.</param>
/// <param name="ClipHigh">ε_high: the ratio is clipped above at 1 + ε_high (DAPO clip-higher uses 0.28 &gt; ε_low to keep exploration).</param>
/// <param name="KlBeta">β of the k3 KL penalty to the reference policy; 0 disables it (0.001 in Interplay, 0 in Warm-up).</param>
/// <param name="Normalization">Token-level (DAPO) or per-sequence averaging.</param>
public sealed record GrpoLossConfig(
    double ClipLow = 0.2, double ClipHigh = 0.28, double KlBeta = 0.0, LossNormalization Normalization = LossNormalization.Token)
{
    /// <summary>Lists every problem with the settings (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!(ClipLow >= 0 && ClipLow < 1))
            errors.Add($"ClipLow must be in [0, 1) so that 1 − ClipLow stays positive, got {ClipLow}.");
        if (!(ClipHigh >= 0) || double.IsInfinity(ClipHigh))
            errors.Add($"ClipHigh must be a non-negative finite number, got {ClipHigh}.");
        if (!(KlBeta >= 0) || double.IsInfinity(KlBeta))
            errors.Add($"KlBeta must be a non-negative finite number, got {KlBeta}.");
        if (!Enum.IsDefined(Normalization))
            errors.Add($"Normalization must be Token or Sequence, got {Normalization}.");
        return errors;
    }
}
