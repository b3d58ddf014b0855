namespace ReMiT.Training.Experiments;

/// <summary>Pairs two models' per-problem values by problem id, for one seed.</summary>
internal static class PairedProblems
{
    /// <summary>
    /// a − b per problem, ordered by problem id (so resampling is reproducible whatever the files' line order).
    /// A problem present on one side only is an error: the two evals did not see the same problems, and dropping
    /// the odd ones silently would compare different sets.
    /// </summary>
    /// <param name="what">Names the comparison in errors, e.g. "remit − uniform, seed 2, greedy_strict/edge".</param>
    public static double[] Differences(
        IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b, string sourceA, string sourceB, string what)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var onlyA = a.Keys.Where(id => !b.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        var onlyB = b.Keys.Where(id => !a.ContainsKey(id)).Order(StringComparer.Ordinal).ToList();
        if (onlyA.Count > 0 || onlyB.Count > 0)
            throw new InvalidDataException(
                $"{what}: the two evals do not cover the same problems ({onlyA.Count} only in {sourceA}{Examples(onlyA)}, " +
                $"{onlyB.Count} only in {sourceB}{Examples(onlyB)}); evaluate both models on the same eval set (same eval seed and sizes)");
        if (a.Count == 0)
            throw new InvalidDataException($"{what}: no problems in {sourceA} or {sourceB} for this split; check the split name or the eval's splits");
        var ids = a.Keys.Order(StringComparer.Ordinal).ToArray();
        var diffs = new double[ids.Length];
        for (int i = 0; i < ids.Length; i++) diffs[i] = a[ids[i]] - b[ids[i]];
        return diffs;
    }

    /// <summary>One model's values ordered by problem id.</summary>
    public static double[] Ordered(IReadOnlyDictionary<string, double> values, string source, string what)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
            throw new InvalidDataException($"{what}: no problems in {source} for this split; check the split name or the eval's splits");
        return values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToArray();
    }

    private static string Examples(List<string> ids) =>
        ids.Count == 0 ? "" : $", e.g. {string.Join(", ", ids.Take(3))}";
}
