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
}
