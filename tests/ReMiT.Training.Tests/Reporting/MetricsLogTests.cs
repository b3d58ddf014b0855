using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

public sealed class MetricsLogTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void Append_ThenRead_GroupsByStageAndMetricInOrder()
    {
        using var dir = new TempDir();
        var t = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
        using (var log = MetricsLog.ForRun(dir.Path, new FixedTime(t)))
        {
            log.Append("pretrain", 1, "loss", 3.2);
            log.Append("pretrain", 1, "lr", 1e-3);
            log.Append("pretrain", 2, "loss", 3.0);
            log.Append("rl:base", 1, "reward", 0.25);
        }

        var series = MetricsLog.Read(Path.Combine(dir.Path, MetricsLog.FileName));

        Assert.Equal([("pretrain", "loss"), ("pretrain", "lr"), ("rl:base", "reward")], series.Select(s => (s.Stage, s.Metric)));
        Assert.Equal([3.2, 3.0], series[0].Points.Select(p => p.Value));
        Assert.Equal([1L, 2L], series[0].Points.Select(p => p.Step));
        Assert.Equal(t, series[0].Points[0].Time);
    }

    [Fact]
    public void Append_WritesSnakeCaseJsonLinesFlushedBeforeDispose()
    {
        using var dir = new TempDir();
        using var log = MetricsLog.ForRun(dir.Path, new FixedTime(DateTimeOffset.UnixEpoch));

        log.Append("pretrain", 12, "loss", 3.5);

        // Read while the writer is still open: a crash right now must not lose the line.
        string text = File.ReadAllText(log.FilePath);
        Assert.Equal("{\"stage\":\"pretrain\",\"step\":12,\"metric\":\"loss\",\"value\":3.5,\"time\":\"1970-01-01T00:00:00+00:00\"}\n", text);
    }

    [Fact]
    public void Read_TruncatedLastLine_SkipsItWithWarningNamingTheLine()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, MetricsLog.FileName);
        using (var log = new MetricsLog(path))
        {
            log.Append("pretrain", 1, "loss", 3.0);
            log.Append("pretrain", 2, "loss", 2.9);
        }
        File.AppendAllText(path, "{\"stage\":\"pretrain\",\"step\":3,\"met");
        var warnings = new List<string>();

        var series = MetricsLog.Read(path, warnings.Add);

        Assert.Equal(2, Assert.Single(series).Points.Count);
        Assert.Contains($"{path}:3:", Assert.Single(warnings));
    }

    [Fact]
    public void Read_NaNLoss_RoundTrips()
    {
        using var dir = new TempDir();
        using (var log = MetricsLog.ForRun(dir.Path)) log.Append("midtrain:noclip", 7, "loss", double.NaN);

        var series = MetricsLog.Read(Path.Combine(dir.Path, MetricsLog.FileName));

        Assert.True(double.IsNaN(Assert.Single(series).Points[0].Value));
    }

    [Fact]
    public void Read_MissingFile_ReturnsNoSeries()
    {
        Assert.Empty(MetricsLog.Read(Path.Combine(Path.GetTempPath(), "no-such-" + Guid.NewGuid().ToString("N"), "metrics.jsonl")));
    }

    [Fact]
    public void Append_FromManyThreads_KeepsEveryLineWhole()
    {
        using var dir = new TempDir();
        using (var log = MetricsLog.ForRun(dir.Path))
            Parallel.For(0, 400, i => log.Append($"rl:{i % 4}", i, "reward", i));
        var warnings = new List<string>();

        var series = MetricsLog.Read(Path.Combine(dir.Path, MetricsLog.FileName), warnings.Add);

        Assert.Empty(warnings);
        Assert.Equal(400, series.Sum(s => s.Points.Count));
    }
}
