using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

public sealed class ErrorBarPlotTests
{
    [Fact]
    public void ToPng_ArmsBySplitWithMissingCell_IsReadableChart()
    {
        var plot = new ErrorBarPlot("greedy_strict", "pass@1", ["id", "edge", "hard"]) { Reference = new ReferenceLine("zero", 0) }
            .Add("uniform", [new Interval(0.3, 0.2, 0.4), new Interval(0.1, 0.05, 0.2), null])
            .Add("remit", [new Interval(0.35, 0.25, 0.5), new Interval(0.15, 0.1, 0.18), new Interval(0, 0, 0)]);

        PngAssert.IsChart(plot.ToPng());
    }

    [Fact]
    public void ToPng_NoSeries_StillAChart() => PngAssert.IsChart(new ErrorBarPlot("t", "y", ["a"]).ToPng(), minColours: 2);

    [Fact]
    public void Add_LowAboveHigh_ThrowsNamingSeries()
    {
        var e = Assert.Throws<ArgumentException>(() => new ErrorBarPlot("t", "y", ["a"]).Add("remit", [new Interval(0.5, 0.6, 0.4)]));

        Assert.Contains("'remit'", e.Message);
    }

    [Fact]
    public void Add_WrongValueCount_ThrowsNamingGroups()
    {
        var e = Assert.Throws<ArgumentException>(() => new ErrorBarPlot("t", "y", ["a", "b"]).Add("remit", [null]));

        Assert.Contains("a, b", e.Message);
    }
}
