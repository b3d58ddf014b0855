namespace ReMiT.Training.Losses;

/// <summary>
/// What a token weighting needs from the frozen guide model, so the caller runs only the guide
/// forward it must (and ships only what it must between guide node and learner).
/// </summary>
public enum GuideNeed
{
    /// <summary>No guide at all (uniform next-token prediction).</summary>
    None,

    /// <summary>log p_guide(x_t) of the target tokens, (B, T) — ReMiT and Rho-1.</summary>
    TokenLogProbs,

    /// <summary>The guide's full next-token logits, (B, T, V) — knowledge distillation.</summary>
    Logits,
}
