using ScottPlot;
using SkiaSharp;

namespace ReMiT.Training.Reporting;

/// <summary>One line of a chart.</summary>
public sealed record Series(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>
/// PNG line charts for reports (ScottPlot on SkiaSharp). Text uses an embedded DejaVu Sans, so a
/// machine without fonts still renders labels.
/// </summary>
public static class Charts
{
    private const string FontName = "ReMiT Sans";

    static Charts() => Fonts.FontResolvers.Add(new EmbeddedFontResolver());

    /// <param name="logX">Log-scale x axis labelled with the original values (pass@k vs k).</param>
    /// <param name="reference">A dashed horizontal line, e.g. the most-common-answer baseline.</param>
    public static void Line(string path, string title, string xLabel, string yLabel, IReadOnlyList<Series> series,
                            bool logX = false, (string Label, double Y)? reference = null)
    {
        var plot = new Plot();
        foreach (var s in series.Where(s => s.X.Count > 0))
        {
            double[] xs = logX ? s.X.Select(Math.Log2).ToArray() : s.X.ToArray();
            var line = plot.Add.Scatter(xs, s.Y.ToArray());
            line.LegendText = s.Name;
            line.MarkerSize = s.X.Count > 40 ? 0 : 5;
        }
        if (reference is { } r)
        {
            var h = plot.Add.HorizontalLine(r.Y);
            h.LegendText = r.Label;
            h.LinePattern = LinePattern.Dashed;
        }
        if (logX)
        {
            double[] ticks = series.SelectMany(s => s.X).Distinct().Order().ToArray();
            plot.Axes.Bottom.SetTicks(ticks.Select(Math.Log2).ToArray(), ticks.Select(t => t.ToString("0")).ToArray());
        }
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.ShowLegend(Alignment.UpperRight);
        plot.Font.Set(FontName);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, 800, 500);
    }

    private sealed class EmbeddedFontResolver : IFontResolver
    {
        private static readonly Lazy<SKTypeface> Regular = new(() => Load("DejaVuSans.ttf"));
        private static readonly Lazy<SKTypeface> Bold = new(() => Load("DejaVuSans-Bold.ttf"));

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            fontName == FontName ? (bold ? Bold.Value : Regular.Value) : null;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            CreateTypeface(fontName, weight >= FontWeight.SemiBold, slant != FontSlant.Upright);

        private static SKTypeface Load(string file)
        {
            var assembly = typeof(Charts).Assembly;
            string name = assembly.GetManifestResourceNames().Single(n => n.EndsWith(file, StringComparison.Ordinal));
            using var stream = assembly.GetManifestResourceStream(name)!;
            return SKTypeface.FromStream(stream);
        }
    }
}
