namespace ReMiT.Training.Reporting;

/// <summary>All points of one metric in one stage, in file order (which is step order for one writer).</summary>
public sealed record MetricSeries(string Stage, string Metric, IReadOnlyList<MetricPoint> Points)
{
    public IEnumerable<(double X, double Y)> XY => Points.Select(p => ((double)p.Step, p.Value));
    public double? Last => Points.Count == 0 ? null : Points[^1].Value;
}
