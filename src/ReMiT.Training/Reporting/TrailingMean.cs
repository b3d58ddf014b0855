namespace ReMiT.Training.Reporting;

/// <summary>
/// The mean of a metric over a stage's last few steps: one step's RL batch mean is a handful of
/// prompts and swings from step to step, so summaries report the mean over the last
/// <see cref="DefaultWindow"/> steps beside the curve.
/// </summary>
public static class TrailingMean
{
    public const int DefaultWindow = 10;

    /// <summary>
    /// Mean of the values at the last <paramref name="window"/> distinct steps (a step logged twice, as a
    /// resumed stage re-logs it, counts once with its latest value); NaN when there are none.
    /// </summary>
    public static double Of(IEnumerable<MetricPoint> points, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(window);
        var byStep = new SortedDictionary<long, double>();
        foreach (var p in points) byStep[p.Step] = p.Value;
        var last = byStep.Values.Skip(Math.Max(0, byStep.Count - window)).ToArray();
        return last.Length == 0 ? double.NaN : last.Average();
    }

    /// <summary>The trailing mean of <paramref name="metric"/> of <paramref name="stage"/> in a metrics file.</summary>
    public static double OfLog(string metricsPath, string stage, string metric, int window = DefaultWindow) =>
        Of(MetricsLog.Read(metricsPath).Where(s => s.Stage == stage && s.Metric == metric).SelectMany(s => s.Points), window);
}
