using ReMiT.Cluster.Metrics;
using ReMiT.Training.Reporting;

namespace ReMiT.Cluster.Tests.Metrics;

public sealed class MetricsBridgeTests
{
    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    [Fact]
    public void Append_MappedTrainingNames_SetRemitSeriesPerStage()
    {
        using var run = new TempDir();
        var metrics = new RemitMetrics();
        using var log = MetricsLog.ForRun(run.Path, new FixedTime(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)));
        using var bridge = new MetricsBridge(metrics, log);

        log.Append("pretrain", 10, "loss", 3.25);
        log.Append("pretrain", 10, "lr", 0.001);
        log.Append("pretrain", 10, "grad_norm", 0.75);
        log.Append("pretrain", 10, "tokens_per_s", 1234); // rate() of the counter instead: not exported
        log.Append("midtrain:remit", 20, "weight_mean", 1.0);
        log.Append("midtrain:remit", 20, "weight_std", 0.25);
        log.Append("midtrain:remit", 20, "weight_clipped", 0.125);
        log.Append("rl", 5, "reward", 0.5);
        log.Append("rl", 5, "accuracy", 0.375);
        log.Append("rl", 5, "mfu", 0.0625);
        string text = metrics.ExportText();

        Assert.Contains("remit_train_loss{stage=\"pretrain\"} 3.25", text);
        Assert.Contains("remit_learning_rate{stage=\"pretrain\"} 0.001", text);
        Assert.Contains("remit_grad_norm{stage=\"pretrain\"} 0.75", text);
        Assert.Contains("remit_token_weight_mean{stage=\"midtrain:remit\"} 1", text);
        Assert.Contains("remit_token_weight_std{stage=\"midtrain:remit\"} 0.25", text);
        Assert.Contains("remit_token_weight_clipped_ratio{stage=\"midtrain:remit\"} 0.125", text);
        Assert.Contains("remit_rl_reward{stage=\"rl\"} 0.5", text);
        Assert.Contains("remit_rl_accuracy_ratio{stage=\"rl\"} 0.375", text);
        Assert.Contains("remit_mfu_ratio{stage=\"rl\"} 0.0625", text);
        Assert.Contains("remit_last_step_timestamp_seconds{stage=\"pretrain\"} 1700000000", text);
        Assert.Contains("remit_last_step_timestamp_seconds{stage=\"rl\"} 1700000000", text);
        Assert.DoesNotContain("1234", text);
        Assert.Equal(10, File.ReadAllLines(log.FilePath).Length); // the file still gets every value
    }

    [Fact]
    public void Append_CumulativeTokens_CounterGrowsByDifferenceAndRestartsWithStage()
    {
        using var run = new TempDir();
        var metrics = new RemitMetrics();
        using var log = MetricsLog.ForRun(run.Path);
        using var bridge = new MetricsBridge(metrics, log);

        log.Append("pretrain", 1, "tokens", 1000);
        log.Append("pretrain", 2, "tokens", 2500);
        log.Append("pretrain", 1, "tokens", 400); // the stage started over: 400 new tokens

        Assert.Equal(2900, metrics.TokensProcessed.WithLabels("pretrain").Value);
    }

    [Fact]
    public void Append_GuideWaitPerStep_ObservesTheGuideWaitHistogram()
    {
        using var run = new TempDir();
        var metrics = new RemitMetrics();
        using var log = MetricsLog.ForRun(run.Path);
        using var bridge = new MetricsBridge(metrics, log);

        log.Append("midtrain:remit", 1, "guide_wait_seconds", 1.5); // the first step waits for the guide to load
        log.Append("midtrain:remit", 2, "guide_wait_seconds", 0.0);
        log.Append("midtrain:remit", 3, "guide_wait_seconds", 0.25);

        var wait = metrics.GuideWaitSeconds.WithLabels("midtrain:remit");
        Assert.Equal(3, wait.Count);
        Assert.Equal(1.75, wait.Sum, 12);
        Assert.Contains("remit_guide_wait_seconds_count{stage=\"midtrain:remit\"} 3", metrics.ExportText());
    }

    [Fact]
    public void Dispose_Unsubscribes()
    {
        using var run = new TempDir();
        var metrics = new RemitMetrics();
        using var log = MetricsLog.ForRun(run.Path);
        new MetricsBridge(metrics, log).Dispose();

        log.Append("pretrain", 1, "loss", 9.5);

        Assert.DoesNotContain("remit_train_loss{", metrics.ExportText());
    }

    [Fact]
    public void ObserveResults_Rows_SetPassAtKByModelSplitAndK()
    {
        var metrics = new RemitMetrics();
        var bridge = new MetricsBridge(metrics);

        bridge.ObserveResults([
            new ResultRow("remit", "kk", "id", 1, 0.5, 100),
            new ResultRow("remit", "kk", "id", 8, 0.75, 100, Metric: "sampled_answer"),
            new ResultRow("base", "kk", "ood", 8, 0.25, 100, Metric: "sampled_strict"),
        ]);
        string text = metrics.ExportText();

        Assert.Contains("remit_pass_at_k_ratio{model=\"remit\",split=\"id\",k=\"1\",metric=\"greedy_answer\"} 0.5", text);
        Assert.Contains("remit_pass_at_k_ratio{model=\"remit\",split=\"id\",k=\"8\",metric=\"sampled_answer\"} 0.75", text);
        Assert.Contains("remit_pass_at_k_ratio{model=\"base\",split=\"ood\",k=\"8\",metric=\"sampled_strict\"} 0.25", text);
    }
}
