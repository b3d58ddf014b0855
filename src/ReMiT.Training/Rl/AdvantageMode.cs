namespace ReMiT.Training.Rl;

/// <summary>How group-relative advantages are normalised.</summary>
public enum AdvantageMode
{
    /// <summary>GRPO (Shao et al. 2024): A = (r − mean) / (std + 1e−6) within the group.</summary>
    Grpo,

    /// <summary>Dr. GRPO (Liu et al. 2025): A = r − mean; dropping the std removes the question-difficulty bias.</summary>
    DrGrpo,
}
