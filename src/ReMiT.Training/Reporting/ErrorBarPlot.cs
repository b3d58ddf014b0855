using ScottPlot;

namespace ReMiT.Training.Reporting;

/// <summary>
/// Point estimates with error bars saved as PNG: groups along x (e.g. splits, or comparisons), one coloured
/// marker per series in each group (e.g. arm) with a whisker from its interval's low to high end, and an
/// optional reference line (e.g. 0 for a difference). Intervals may be asymmetric, as bootstrap CIs are.
/// </summary>
public sealed class ErrorBarPlot
{
    private readonly List<ErrorBarSeries> _series = [];

    public ErrorBarPlot(string title, string yLabel, IReadOnlyList<string> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        Title = title;
        YLabel = yLabel;
        Groups = groups;
    }

    public string Title { get; }
    public string YLabel { get; }
    public IReadOnlyList<string> Groups { get; }
    public ReferenceLine? Reference { get; init; }
    public double? YMin { get; init; }
    public double? YMax { get; init; }
    public int Width { get; init; } = 800;
    public int Height { get; init; } = 500;

    public IReadOnlyList<ErrorBarSeries> Series => _series;

    public ErrorBarPlot Add(ErrorBarSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Values.Count != Groups.Count)
            throw new ArgumentException($"error-bar series '{series.Name}' of plot '{Title}' has {series.Values.Count} values but the plot has {Groups.Count} groups ({string.Join(", ", Groups)}); give one interval (or null) per group", nameof(series));
        foreach (var v in series.Values)
            if (v is { } i && i.Low > i.High)
                throw new ArgumentException($"error-bar series '{series.Name}' of plot '{Title}': interval low {i.Low} lies above high {i.High}; pass (value, low, high)", nameof(series));
        _series.Add(series);
        return this;
    }

    public ErrorBarPlot Add(string name, IReadOnlyList<Interval?> values) => Add(new ErrorBarSeries(name, values));

    public byte[] ToPng()
    {
        EmbeddedFontResolver.EnsureRegistered();
        using var plot = new Plot();
        PlotStyle.Apply(plot, Title, "", YLabel);
        var palette = new ScottPlot.Palettes.Category10();

        // Group g spans [g - 0.3, g + 0.3]: series side by side so their whiskers never overlap.
        int n = Math.Max(1, _series.Count);
        double step = n == 1 ? 0 : 0.6 / (n - 1);
        const double cap = 0.06;
        bool any = false;
        for (int s = 0; s < _series.Count; s++)
        {
            var color = palette.GetColor(s);
            for (int g = 0; g < Groups.Count; g++)
            {
                if (_series[s].Values[g] is not { } v || !double.IsFinite(v.Value) || !double.IsFinite(v.Low) || !double.IsFinite(v.High)) continue;
                double x = g + (n == 1 ? 0 : -0.3 + s * step);
                foreach (var (x1, y1, x2, y2) in new[] { (x, v.Low, x, v.High), (x - cap, v.Low, x + cap, v.Low), (x - cap, v.High, x + cap, v.High) })
                {
                    var line = plot.Add.Line(x1, y1, x2, y2);
                    line.Color = color;
                    line.LineWidth = 2;
                    line.MarkerSize = 0;
                }
                var marker = plot.Add.Marker(x, v.Value);
                marker.Color = color;
                marker.Size = 10;
                any = true;
            }
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = _series[s].Name, LineColor = color, LineWidth = 2, MarkerShape = MarkerShape.FilledCircle, MarkerColor = color });
        }
        if (!any) PlotStyle.MarkEmpty(plot);

        PlotStyle.AddReference(plot, Reference);

        if (any)
        {
            plot.Axes.Bottom.SetTicks(Enumerable.Range(0, Groups.Count).Select(g => (double)g).ToArray(), Groups.ToArray());
            plot.Axes.Bottom.MajorTickStyle.Length = 0;
            plot.Axes.AutoScale();
            plot.Axes.SetLimitsX(-0.6, Groups.Count - 0.4);
            PlotStyle.ApplyYLimits(plot, YMin, YMax);
        }
        PlotStyle.ShowManualLegend(plot, _series.Count);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToPng());
}
