using System.Globalization;
using Prometheus;
using ReMiT.Training.Reporting;
using ReMiT.Training.Stages;

namespace ReMiT.Cluster.Metrics;

/// <summary>
/// Feeds <see cref="RemitMetrics"/> from what training logs to the run's <see cref="MetricsLog"/>, so the
/// stages (which know nothing of Prometheus) show up on <c>/metrics</c>. Each logged value of a mapped name
/// sets its <c>{stage}</c>-labelled series; every value also sets <c>remit_last_step_timestamp_seconds</c>.
/// Names with no Prometheus counterpart (tokens_per_s: use <c>rate(remit_tokens_processed_total)</c>;
/// GRPO's kept_groups, clip_fraction, …) stay in metrics.jsonl only. Dispose to unsubscribe.
/// </summary>
public sealed class MetricsBridge : IDisposable
{
    /// <summary>Training metric name → the gauge its value sets (labelled by stage).</summary>
    private static readonly Dictionary<string, Func<RemitMetrics, Gauge>> Gauges = new(StringComparer.Ordinal)
    {
        ["loss"] = m => m.TrainLoss,
        ["lr"] = m => m.LearningRate,
        ["grad_norm"] = m => m.GradNorm,
        ["weight_mean"] = m => m.WeightMean,
        ["weight_std"] = m => m.WeightStd,
        ["weight_clipped"] = m => m.WeightClipped,
        ["reward"] = m => m.Reward,
        ["accuracy"] = m => m.Accuracy,
        ["refill_prompts"] = m => m.RefillPrompts,
        ["refill_rounds"] = m => m.RefillRounds,
        ["mfu"] = m => m.Mfu,
    };

    /// <summary>Cumulative tokens a stage has consumed (TokenTrainer logs it); feeds <c>remit_tokens_processed_total</c>.</summary>
    public const string TokensMetric = "tokens";

    /// <summary>Mean optimizer-step seconds over a logged interval (TokenTrainer logs it); feeds <c>remit_step_duration_seconds</c>.</summary>
    public const string StepSecondsMetric = "step_seconds";

    /// <summary>Seconds one guided step waited for the guide (TokenTrainer logs it every step); feeds <c>remit_guide_wait_seconds</c>.</summary>
    public const string GuideWaitMetric = TokenTrainer.GuideWaitMetric;

    private readonly RemitMetrics _metrics;
    private readonly MetricsLog? _log;
    private readonly Dictionary<string, double> _lastTokens = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    /// <param name="log">The run's log to subscribe to; null to feed values only through <see cref="Observe"/>.</param>
    public MetricsBridge(RemitMetrics metrics, MetricsLog? log = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        _metrics = metrics;
        _log = log;
        if (_log is not null) _log.Appended += Observe;
    }

    /// <summary>The training metric names that reach Prometheus.</summary>
    public static IReadOnlyCollection<string> MappedNames { get; } = [.. Gauges.Keys, TokensMetric, StepSecondsMetric, GuideWaitMetric];

    /// <summary>Applies one logged value (what the subscription calls; public for values that arrive by message).</summary>
    public void Observe(MetricPoint point)
    {
        ArgumentNullException.ThrowIfNull(point);
        if (Gauges.TryGetValue(point.Metric, out var gauge))
            gauge(_metrics).WithLabels(point.Stage).Set(point.Value);
        else if (point.Metric == TokensMetric)
            CountTokens(point.Stage, point.Value);
        else if (point.Metric == StepSecondsMetric)
            _metrics.StepSeconds.WithLabels(point.Stage).Observe(point.Value);
        else if (point.Metric == GuideWaitMetric)
            _metrics.GuideWaitSeconds.WithLabels(point.Stage).Observe(point.Value);
        _metrics.LastStepTimestamp.WithLabels(point.Stage).Set(point.Time.ToUnixTimeMilliseconds() / 1000.0);
    }

    /// <summary>Sets <c>remit_pass_at_k_ratio{model,split,k}</c> from evaluation rows (results.json).</summary>
    public void ObserveResults(IEnumerable<ResultRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            row.Validate();
            _metrics.PassAtK.WithLabels(row.Model, row.Split, row.K.ToString(CultureInfo.InvariantCulture), row.Metric).Set(row.PassAtK);
        }
    }

    public void Dispose()
    {
        if (_log is not null) _log.Appended -= Observe;
    }

    /// <summary>
    /// The counter grows by the difference to the stage's previous total. A total below the previous one means
    /// the stage started over in this process (a new flywheel iteration): the whole new total counts. A run
    /// resumed mid-stage adds its earlier tokens at once, which <c>rate()</c> ignores on a new series.
    /// </summary>
    private void CountTokens(string stage, double total)
    {
        if (!(total >= 0)) return; // NaN or negative: not a count
        double increase;
        lock (_gate)
        {
            double last = _lastTokens.GetValueOrDefault(stage);
            increase = total >= last ? total - last : total;
            _lastTokens[stage] = total;
        }
        _metrics.TokensProcessed.WithLabels(stage).Inc(increase);
    }
}
