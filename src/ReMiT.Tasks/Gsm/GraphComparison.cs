namespace ReMiT.Tasks.Gsm;

/// <summary>What differs between a gold and a predicted <see cref="SolutionGraph"/>.</summary>
public sealed record GraphComparison(
    int GoldNodes,
    int PredictedNodes,
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Extra,
    IReadOnlyList<string> ValueMismatches,
    IReadOnlyList<string> DependencyMismatches,
    bool AnswerMismatch)
{
    /// <summary>value + dependency mismatches + missing + min(extra, |gold|) + answer mismatch.</summary>
    public int Penalty => ValueMismatches.Count + DependencyMismatches.Count + Missing.Count
        + Math.Min(Extra.Count, Math.Max(GoldNodes, 1)) + (AnswerMismatch ? 1 : 0);

    /// <summary>max(0, 1 − penalty / max(|gold|, 1)).</summary>
    public double ProcessReward => Math.Max(0.0, 1.0 - (double)Penalty / Math.Max(GoldNodes, 1));
}
