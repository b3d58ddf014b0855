using System.Globalization;
using ScottPlot;

namespace ReMiT.Training.Reporting;

/// <summary>
/// A line chart of named series saved as PNG: title, axis labels, legend, optional log-scaled x axis
/// (pass@k against k) and an optional horizontal reference line (the guess baseline).
/// </summary>
public sealed class LinePlot
{
    // Past this many points markers hide the line (a loss curve has thousands), so draw lines only.
    private const int MaxPointsWithMarkers = 40;
    // With few distinct x values on a log axis (k = 1, 2, 4, … 128) label each; otherwise label decades.
    private const int MaxExplicitLogTicks = 12;

    private readonly List<PlotSeries> _series = [];

    public LinePlot(string title, string xLabel, string yLabel)
    {
        Title = title;
        XLabel = xLabel;
        YLabel = yLabel;
    }

    public string Title { get; }
    public string XLabel { get; }
    public string YLabel { get; }
    /// <summary>Plots x on a base-10 log scale; points with x ≤ 0 cannot be placed and are dropped.</summary>
    public bool LogX { get; init; }
    public ReferenceLine? Reference { get; init; }
    /// <summary>Fixed y limits (e.g. 0 and 1 for accuracies); null lets the data decide.</summary>
    public double? YMin { get; init; }
    public double? YMax { get; init; }
    public int Width { get; init; } = 800;
    public int Height { get; init; } = 500;

    public IReadOnlyList<PlotSeries> Series => _series;

    public LinePlot Add(PlotSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.X.Count != series.Y.Count)
            throw new ArgumentException($"series '{series.Name}' of plot '{Title}' has {series.X.Count} x values but {series.Y.Count} y values; give one y per x", nameof(series));
        _series.Add(series);
        return this;
    }

    public LinePlot Add(string name, IEnumerable<(double X, double Y)> points, bool dashed = false) =>
        Add(PlotSeries.From(name, points, dashed));

    /// <summary>Renders the chart; non-finite points (a diverged loss) are left out rather than breaking the axes.</summary>
    public byte[] ToPng()
    {
        EmbeddedFontResolver.EnsureRegistered();
        using var plot = new Plot();
        PlotStyle.Apply(plot, Title, XLabel, YLabel);

        var allX = new List<double>();
        foreach (var series in _series)
        {
            var (xs, ys) = Finite(series);
            if (xs.Length == 0) continue;
            allX.AddRange(xs);
            var scatter = plot.Add.Scatter(LogX ? xs.Select(Math.Log10).ToArray() : xs, ys);
            scatter.LegendText = series.Name;
            scatter.LineWidth = 2;
            scatter.MarkerSize = xs.Length <= MaxPointsWithMarkers ? 6 : 0;
            if (series.Dashed) scatter.LinePattern = LinePattern.Dashed;
        }

        if (Reference is { } reference && double.IsFinite(reference.Y))
        {
            var line = plot.Add.HorizontalLine(reference.Y);
            line.LegendText = reference.Label;
            line.LinePattern = LinePattern.Dashed;
            line.LineWidth = 1.5f;
            line.Color = Colors.Gray;
        }

        if (LogX && allX.Count > 0) SetLogTicks(plot, allX);
        if (allX.Count == 0) PlotStyle.MarkEmpty(plot);
        plot.Axes.AutoScale();
        PlotStyle.ApplyYLimits(plot, YMin, YMax);
        // Outside the data area: curves of any shape (weights near 1, losses falling to the bottom) stay visible.
        if (_series.Count > 0 || Reference is not null) plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>Writes the PNG atomically (temp file + rename), creating the folder.</summary>
    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToPng());

    private (double[] X, double[] Y) Finite(PlotSeries series)
    {
        var xs = new List<double>(series.X.Count);
        var ys = new List<double>(series.Y.Count);
        for (int i = 0; i < series.X.Count; i++)
        {
            double x = series.X[i], y = series.Y[i];
            if (!double.IsFinite(x) || !double.IsFinite(y) || (LogX && x <= 0)) continue;
            xs.Add(x);
            ys.Add(y);
        }
        return (xs.ToArray(), ys.ToArray());
    }

    private static void SetLogTicks(Plot plot, List<double> xs)
    {
        var distinct = xs.Distinct().Order().ToArray();
        double[] ticks;
        if (distinct.Length <= MaxExplicitLogTicks)
        {
            ticks = distinct;
        }
        else
        {
            int lo = (int)Math.Floor(Math.Log10(distinct[0])), hi = (int)Math.Ceiling(Math.Log10(distinct[^1]));
            ticks = Enumerable.Range(lo, hi - lo + 1).Select(e => Math.Pow(10, e)).ToArray();
        }
        plot.Axes.Bottom.SetTicks(
            ticks.Select(Math.Log10).ToArray(),
            ticks.Select(t => t.ToString("G4", CultureInfo.InvariantCulture)).ToArray());
    }
}
