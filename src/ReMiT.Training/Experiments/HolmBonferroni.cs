namespace ReMiT.Training.Experiments;

/// <summary>
/// Holm's step-down adjustment (Holm 1979), which controls the family-wise error rate over the comparisons of
/// one experiment: sort the m p-values ascending, multiply the j-th smallest by (m − j + 1), make the sequence
/// non-decreasing, cap at 1. A comparison is significant at α when its adjusted p is at most α.
/// </summary>
internal static class HolmBonferroni
{
    /// <summary>Adjusted p-values, in the order given.</summary>
    public static double[] Adjust(IReadOnlyList<double> pValues)
    {
        ArgumentNullException.ThrowIfNull(pValues);
        int m = pValues.Count;
        for (int i = 0; i < m; i++)
            if (pValues[i] is < 0 or > 1 || double.IsNaN(pValues[i]))
                throw new ArgumentOutOfRangeException(nameof(pValues), pValues[i], $"p-value {i} must lie in [0, 1]");
        int[] order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ThenBy(i => i).ToArray();
        var adjusted = new double[m];
        double running = 0;
        for (int j = 0; j < m; j++)
        {
            running = Math.Max(running, Math.Min(1.0, (m - j) * pValues[order[j]]));
            adjusted[order[j]] = running;
        }
        return adjusted;
    }
}
