using System.Globalization;
using ScottPlot;

namespace ReMiT.Training.Reporting;

/// <summary>
/// A grouped bar chart saved as PNG: groups along x (e.g. task/split), one coloured bar per series
/// in each group (e.g. model), values printed on the bars, optional reference line.
/// </summary>
public sealed class BarPlot
{
    private readonly List<BarSeries> _series = [];

    public BarPlot(string title, string yLabel, IReadOnlyList<string> groups)
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
    public double? YMin { get; init; } = 0;
    public double? YMax { get; init; }
    /// <summary>Format of the number printed on each bar; null prints none.</summary>
    public string? ValueFormat { get; init; } = "0.00";
    public int Width { get; init; } = 800;
    public int Height { get; init; } = 500;

    public IReadOnlyList<BarSeries> Series => _series;

    public BarPlot Add(BarSeries series)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Values.Count != Groups.Count)
            throw new ArgumentException($"bar series '{series.Name}' of plot '{Title}' has {series.Values.Count} values but the plot has {Groups.Count} groups ({string.Join(", ", Groups)}); give one value (or null) per group", nameof(series));
        _series.Add(series);
        return this;
    }

    public BarPlot Add(string name, IReadOnlyList<double?> values) => Add(new BarSeries(name, values));

    public byte[] ToPng()
    {
        EmbeddedFontResolver.EnsureRegistered();
        using var plot = new Plot();
        PlotStyle.Apply(plot, Title, "", YLabel);
        var palette = new ScottPlot.Palettes.Category10();

        // Group g occupies [g·(n+1), g·(n+1)+n): one unit per series plus one unit of gap.
        int n = Math.Max(1, _series.Count);
        var bars = new List<Bar>();
        for (int s = 0; s < _series.Count; s++)
        {
            var color = palette.GetColor(s);
            for (int g = 0; g < Groups.Count; g++)
            {
                if (_series[s].Values[g] is not { } value || !double.IsFinite(value)) continue;
                bars.Add(new Bar
                {
                    Position = g * (n + 1) + s,
                    Value = value,
                    FillColor = color,
                    Size = 0.9,
                    Label = ValueFormat is null ? "" : value.ToString(ValueFormat, CultureInfo.InvariantCulture),
                });
            }
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = _series[s].Name, FillColor = color });
        }

        if (bars.Count > 0)
        {
            var barPlot = plot.Add.Bars(bars);
            barPlot.ValueLabelStyle.FontName = EmbeddedFontResolver.FontName;
            barPlot.ValueLabelStyle.FontSize = n > 4 ? 10 : 12;
        }
        else
        {
            PlotStyle.MarkEmpty(plot);
        }

        PlotStyle.AddReference(plot, Reference);

        plot.Axes.Bottom.SetTicks(
            Enumerable.Range(0, Groups.Count).Select(g => g * (n + 1) + (n - 1) / 2.0).ToArray(),
            Groups.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.AutoScale();
        // Head-room above the tallest bar for its value label and the legend.
        var limits = plot.Axes.GetLimits();
        PlotStyle.ApplyYLimits(plot, YMin, YMax ?? (bars.Count > 0 ? limits.Top + 0.15 * (limits.Top - (YMin ?? limits.Bottom)) : null));
        PlotStyle.ShowManualLegend(plot, _series.Count);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    public void Save(string path) => AtomicFile.WriteAllBytes(path, ToPng());
}
