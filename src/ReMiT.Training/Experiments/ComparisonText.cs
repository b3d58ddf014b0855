using System.Globalization;

namespace ReMiT.Training.Experiments;

/// <summary>How comparisons read in reports: one formatting, shared by experiment and run reports.</summary>
internal static class ComparisonText
{
    public const string Method =
        "diff = mean over seeds of the mean over the same problems of (a − b); 95% CI: hierarchical paired bootstrap " +
        "(seeds with replacement, then problems within each seed; percentile interval); p: two-sided sign-flip permutation " +
        "test of the per-problem differences, stratified by seed; p (Holm): Holm–Bonferroni over this report's comparisons.";

    public static string Label(ComparisonResult r) => $"{r.A} − {r.B}";

    public static string Key(EvalMetric metric, string split, int k) =>
        metric.IsGreedy() ? $"{metric.Name()}/{split}" : $"{metric.Name()}@{k}/{split}";

    public static string Signed(double x) => x.ToString("+0.000;−0.000;0.000", CultureInfo.InvariantCulture);

    public static string Number(double x) => x.ToString("0.000", CultureInfo.InvariantCulture);

    public static string P(double p) => p < 0.0001 ? "<0.0001" : p.ToString("0.0000", CultureInfo.InvariantCulture);

    public static string Ci(double low, double high) => $"[{Signed(low)}, {Signed(high)}]";

    /// <summary>The smallest effect the design detects, in one sentence (formula in <see cref="PairedStatistics.MinimumDetectableEffect"/>).</summary>
    public static string MinimumDetectableEffect(ComparisonResult r)
    {
        string design = r.NSeeds == 1 ? $"{r.Pairs} paired problems from one seed" : $"{r.Pairs} paired problems over {r.NSeeds} seeds";
        // With no disagreeing pair the formula gives 0, which would read as "detects anything": say it cannot be estimated.
        string mde = r.DisagreementRate == 0
            ? "cannot be estimated: the two arms agreed on every problem (disagreement rate 0), so this design has no power here"
            : $"is about ±{Number(r.MinimumDetectableEffect)} " +
              "(2.80·sqrt(p_disc/pairs), which ignores seed-to-seed variance, so the true figure is larger)";
        return $"{Label(r)} on {Key(r.Metric, r.Split, r.K)}: with {design} and a disagreement rate of {Number(r.DisagreementRate)}, " +
               $"the smallest difference detectable with 80% power at α = 0.05 (two-sided) {mde}; " +
               $"measured: {Signed(r.Diff)} {Ci(r.CiLow, r.CiHigh)}.";
    }

    /// <summary>One log line per comparison, with the same numbers and caveats as the report.</summary>
    public static string LogLine(ComparisonResult r)
    {
        string mde = r.DisagreementRate == 0 ? "MDE n/a: arms agree on every problem" : $"MDE ±{Number(r.MinimumDetectableEffect)}";
        return $"{(r.Primary ? "primary " : "")}{Label(r)} {Key(r.Metric, r.Split, r.K)}: {Signed(r.Diff)} {Ci(r.CiLow, r.CiHigh)} " +
               $"p={P(r.PValue)} p_holm={P(r.PHolm)} (n={r.NProblems}, seeds={r.NSeeds}, {mde})";
    }
}
