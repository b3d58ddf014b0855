using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

public sealed class ReportPlotsTests
{
    [Fact]
    public void Ema_ConstantSeries_StaysConstant()
    {
        var points = Enumerable.Range(0, 500).Select(i => ((double)i, 2.0)).ToList();

        Assert.All(ReportPlots.Ema(points), p => Assert.Equal(2.0, p.Y, 12));
    }

    [Fact]
    public void Plan_NoMetricsNoResults_PlansNothing()
    {
        Assert.Empty(ReportPlots.Plan([], []));
    }

    [Theory]
    [InlineData("rl:remit+rl", "rl_remit_rl")]
    [InlineData("midtrain:remit", "midtrain_remit")]
    [InlineData("::", "unnamed")]
    public void Slug_StageNames_AreFileSafe(string name, string expected)
    {
        Assert.Equal(expected, ReportPlots.Slug(name));
    }
}
