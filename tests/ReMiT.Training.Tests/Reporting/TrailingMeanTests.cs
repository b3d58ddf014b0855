using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

public sealed class TrailingMeanTests
{
    private static MetricPoint P(long step, double value) => new("rl:base", step, "reward", value, DateTimeOffset.UnixEpoch);

    [Fact]
    public void Of_TwelveSteps_MeansTheLastTen()
    {
        var points = Enumerable.Range(1, 12).Select(s => P(s, s));
        Assert.Equal((3 + 12) / 2.0, TrailingMean.Of(points), 12); // steps 3..12
    }

    [Fact]
    public void Of_StepLoggedTwiceAfterResume_CountsItOnceWithLatestValue()
    {
        MetricPoint[] points = [P(1, 0.0), P(2, 1.0), P(2, 0.5), P(3, 0.25)];
        Assert.Equal((0.0 + 0.5 + 0.25) / 3, TrailingMean.Of(points, window: 10), 12);
        Assert.Equal((0.5 + 0.25) / 2, TrailingMean.Of(points, window: 2), 12);
    }

    [Fact]
    public void Of_NoPoints_IsNaN() => Assert.True(double.IsNaN(TrailingMean.Of([])));

    [Fact]
    public void OfLog_MetricsFile_FiltersStageAndMetric()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, MetricsLog.FileName);
        using (var log = new MetricsLog(path))
        {
            for (int s = 1; s <= 3; s++)
            {
                log.Append("rl:base", s, "reward", s / 10.0);
                log.Append("rl:base", s, "accuracy", 1.0);
                log.Append("rl:remit", s, "reward", 9.0);
            }
        }
        Assert.Equal(0.2, TrailingMean.OfLog(path, "rl:base", "reward"), 12);
    }
}
