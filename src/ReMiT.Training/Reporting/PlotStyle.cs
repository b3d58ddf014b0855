using ScottPlot;

namespace ReMiT.Training.Reporting;

/// <summary>The look shared by every report chart, so line and bar charts read as one set.</summary>
internal static class PlotStyle
{
    public static void Apply(Plot plot, string title, string xLabel, string yLabel)
    {
        plot.Font.Set(EmbeddedFontResolver.FontName);
        plot.Title(title, size: 18);
        plot.XLabel(xLabel, size: 15);
        plot.YLabel(yLabel, size: 15);
        plot.Legend.FontName = EmbeddedFontResolver.FontName;
        plot.Legend.FontSize = 13;
    }

    public static void ApplyYLimits(Plot plot, double? yMin, double? yMax)
    {
        if (yMin is null && yMax is null) return;
        var limits = plot.Axes.GetLimits();
        plot.Axes.SetLimitsY(yMin ?? limits.Bottom, yMax ?? limits.Top);
    }

    /// <summary>A chart with nothing to draw still says so, instead of looking like a rendering failure.</summary>
    public static void MarkEmpty(Plot plot)
    {
        var text = plot.Add.Text("no data", 0, 0);
        text.LabelFontName = EmbeddedFontResolver.FontName;
        text.LabelFontSize = 20;
        text.LabelAlignment = Alignment.MiddleCenter;
        plot.Axes.SetLimits(-1, 1, -1, 1);
    }

    /// <summary>
    /// The dashed grey reference line (e.g. the guess baseline, or 0 for a difference) with its own legend entry, for
    /// charts whose legend is built by hand (bars and error bars draw one entry per series, not per drawn shape).
    /// </summary>
    public static void AddReference(Plot plot, ReferenceLine? reference)
    {
        if (reference is not { } r || !double.IsFinite(r.Y)) return;
        var line = plot.Add.HorizontalLine(r.Y);
        line.LinePattern = LinePattern.Dashed;
        line.LineWidth = 1.5f;
        line.Color = Colors.Gray;
        plot.Legend.ManualItems.Add(new LegendItem { LabelText = r.Label, LineColor = Colors.Gray, LineWidth = 1.5f, LinePattern = LinePattern.Dashed });
    }

    /// <summary>Shows a hand-built legend in the upper right; a chart without series shows none.</summary>
    public static void ShowManualLegend(Plot plot, int seriesCount)
    {
        plot.ShowLegend(Alignment.UpperRight);
        if (seriesCount == 0) plot.HideLegend();
    }
}
