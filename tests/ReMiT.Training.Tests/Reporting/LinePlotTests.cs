using ReMiT.Training.Reporting;
using ScottPlot;

namespace ReMiT.Training.Tests.Reporting;

public sealed class LinePlotTests
{
    [Fact]
    public void ToPng_TwoSeriesLogXWithReference_IsReadableChart()
    {
        int[] ks = [1, 2, 4, 8, 16, 32, 64, 128];
        var plot = new LinePlot("pass@k vs k", "k", "pass@k") { LogX = true, Reference = new ReferenceLine("guess baseline", 0.33), YMin = 0, YMax = 1 }
            .Add("remit+rl", ks.Select(k => ((double)k, 1 - Math.Pow(0.7, k))))
            .Add("uniform+rl", ks.Select(k => ((double)k, 1 - Math.Pow(0.8, k))));

        PngAssert.IsChart(plot.ToPng());
    }

    [Fact]
    public void ToPng_NonFiniteAndNonPositiveLogX_PointsAreDroppedNotThrown()
    {
        var plot = new LinePlot("diverged", "step", "loss") { LogX = true }
            .Add("loss", [(0, 3.0), (1, 2.5), (2, double.NaN), (3, double.PositiveInfinity), (4, 2.0)]);

        PngAssert.IsChart(plot.ToPng());
    }

    [Fact]
    public void ToPng_NoSeries_StillDrawsAnEmptyChart()
    {
        PngAssert.IsChart(new LinePlot("nothing yet", "step", "loss").ToPng());
    }

    [Fact]
    public void Add_MismatchedLengths_ThrowsNamingTheSeries()
    {
        var plot = new LinePlot("t", "x", "y");

        var e = Assert.Throws<ArgumentException>(() => plot.Add(new PlotSeries("bad", [1, 2], [1])));

        Assert.Contains("'bad'", e.Message);
    }

    [Fact]
    public void Save_CustomSize_WritesPngOfThatSize()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "sub", "loss.png");

        new LinePlot("loss", "step", "loss") { Width = 640, Height = 400 }.Add("pretrain", [(0, 3.0), (10, 2.0)]).Save(path);

        PngAssert.IsChart(path, 640, 400);
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
    }

    [Fact]
    public void EmbeddedFont_Resolves_ToDejaVuSans()
    {
        EmbeddedFontResolver.EnsureRegistered();

        var typeface = Fonts.GetTypeface(EmbeddedFontResolver.FontName, bold: false, italic: false);

        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        Assert.True(typeface.ContainsGlyphs("pass@k 0.123 — σ"));
    }
}
