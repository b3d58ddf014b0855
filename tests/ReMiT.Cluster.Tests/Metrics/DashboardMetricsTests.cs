using System.Text.Json;
using System.Text.RegularExpressions;
using Prometheus;
using ReMiT.Cluster.Metrics;
using ReMiT.Tests.Shared;

namespace ReMiT.Cluster.Tests.Metrics;

/// <summary>
/// The Grafana dashboard the chart ships (helm/remit/dashboards/remit.json) and the local Prometheus
/// config query only series that <see cref="RemitMetrics"/> exports: a renamed metric breaks here,
/// not silently on a dashboard.
/// </summary>
public sealed partial class DashboardMetricsTests
{
    private static readonly string DashboardPath = Path.Combine(RepoPaths.Root, "helm", "remit", "dashboards", "remit.json");

    [GeneratedRegex("remit_[a-z0-9_]+")]
    private static partial Regex MetricName();

    // A family name at the start of an exposition line: `name{labels} value` or `name value`.
    [GeneratedRegex(@"^(remit_[a-z0-9_]+)[{ ]", RegexOptions.Multiline)]
    private static partial Regex ExportedSeries();

    [Fact]
    public void Dashboard_EveryReferencedMetric_IsExportedByRemitMetrics()
    {
        var exported = ExportedSeriesNames();
        var referenced = DashboardExpressions().SelectMany(e => MetricName().Matches(e).Select(m => m.Value)).ToHashSet();

        Assert.NotEmpty(referenced);
        var missing = referenced.Where(m => !exported.Contains(m)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0,
            $"dashboards/remit.json queries {string.Join(", ", missing)}, which RemitMetrics does not export " +
            $"(exported: {string.Join(", ", exported.Order(StringComparer.Ordinal))}); rename the query or add the metric.");
    }

    [Fact]
    public void Dashboard_CoversTheKeyMetricFamilies()
    {
        var text = string.Join("\n", DashboardExpressions());
        foreach (string family in new[]
        {
            "remit_tokens_processed_total", "remit_mfu_ratio", "remit_train_loss", "remit_learning_rate", "remit_grad_norm",
            "remit_rl_reward", "remit_pass_at_k_ratio", "remit_rollout_staleness_versions_bucket", "remit_rollout_tokens_total",
            "remit_token_weight_mean", "remit_token_weight_std", "remit_token_weight_clipped_ratio",
            "remit_queue_depth", "remit_allreduce_duration_seconds_bucket", "remit_weights_publish_duration_seconds_bucket",
            "remit_cluster_members", "remit_experiences_lost_total", "remit_duplicate_results_dropped_total",
            "remit_last_step_timestamp_seconds",
        })
        {
            Assert.Contains(family, text);
        }
        Assert.Contains("rate(remit_tokens_processed_total", text);
        Assert.Contains("histogram_quantile(", text);
    }

    [Fact]
    public void Dashboard_ParsesWithRowsAndAPrometheusDatasourceVariable()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var root = doc.RootElement;
        Assert.Equal("remit-overview", root.GetProperty("uid").GetString());

        var panels = root.GetProperty("panels").EnumerateArray().ToList();
        var rows = panels.Where(p => p.GetProperty("type").GetString() == "row").Select(p => p.GetProperty("title").GetString()).ToList();
        Assert.Equal(["Training", "RL", "ReMiT token weights", "Cluster"], rows);
        Assert.True(panels.Count(p => p.GetProperty("type").GetString() != "row") >= 20, "expected at least 20 graph panels");

        var variables = root.GetProperty("templating").GetProperty("list").EnumerateArray().ToList();
        Assert.Contains(variables, v => v.GetProperty("type").GetString() == "datasource" && v.GetProperty("query").GetString() == "prometheus");
        foreach (var panel in panels.Where(p => p.TryGetProperty("targets", out _)))
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
    }

    [Fact]
    public void PrometheusConfig_ScrapesTheDefaultMetricsPort()
    {
        string config = File.ReadAllText(Path.Combine(RepoPaths.Root, "cluster", "monitoring", "prometheus.yml"));
        Assert.Contains("127.0.0.1:9464", config);
        Assert.Contains("metrics_path: /metrics", config);
    }

    /// <summary>Every series name /metrics serves once each collector has one sample.</summary>
    private static HashSet<string> ExportedSeriesNames()
    {
        var metrics = new RemitMetrics();
        foreach (var property in typeof(RemitMetrics).GetProperties())
        {
            switch (property.GetValue(metrics))
            {
                case Counter c: c.WithLabels(LabelValues(c)).Inc(); break;
                case Gauge g: g.WithLabels(LabelValues(g)).Set(1); break;
                case Histogram h: h.WithLabels(LabelValues(h)).Observe(1); break;
                case Collector other: throw new InvalidOperationException($"{other.Name}: no sample written for a {other.GetType().Name}; extend this test.");
            }
        }
        var names = ExportedSeries().Matches(metrics.ExportText()).Select(m => m.Groups[1].Value).ToHashSet();
        foreach (string family in RemitMetrics.FamilyNames)
            Assert.True(names.Contains(family) || names.Contains(family + "_bucket"), $"{family} has no series in ExportText() after one sample");
        return names;
    }

    private static string[] LabelValues(Collector c) => c.LabelNames.Select(l => $"test-{l}").ToArray();

    private static IEnumerable<string> DashboardExpressions()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        var expressions = new List<string>();
        Collect(doc.RootElement, expressions);
        return expressions;
    }

    // Every "expr" (panel targets) and "query"/"definition" (template variables), wherever it is nested.
    private static void Collect(JsonElement e, List<string> into)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Value.ValueKind == JsonValueKind.String && p.Name is "expr" or "query" or "definition")
                        into.Add(p.Value.GetString()!);
                    else
                        Collect(p.Value, into);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in e.EnumerateArray()) Collect(item, into);
                break;
        }
    }
}
