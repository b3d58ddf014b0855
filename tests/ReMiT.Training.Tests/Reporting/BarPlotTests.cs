using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

public sealed class BarPlotTests
{
    [Fact]
    public void ToPng_ModelsBySplitWithMissingCell_IsReadableChart()
    {
        var plot = new BarPlot("pass@1", "pass@1", ["gsm/id", "gsm/edge", "kk/people4"]) { Reference = new ReferenceLine("guess", 0.2) }
            .Add("base", [0.30, 0.10, null])
            .Add("remit", [0.55, 0.25, 0.40]);

        PngAssert.IsChart(plot.ToPng());
    }

    [Fact]
    public void Add_WrongValueCount_ThrowsNamingSeriesAndGroups()
    {
        var plot = new BarPlot("t", "y", ["a", "b"]);

        var e = Assert.Throws<ArgumentException>(() => plot.Add("remit", [0.5]));

        Assert.Contains("'remit'", e.Message);
        Assert.Contains("a, b", e.Message);
    }
}
