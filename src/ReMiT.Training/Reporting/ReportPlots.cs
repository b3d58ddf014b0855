using System.Text;

namespace ReMiT.Training.Reporting;

/// <summary>
/// Decides which charts a run's files support. Each chart only needs its own inputs, so a run that
/// crashed after pre-training still gets its loss curve and nothing else.
/// </summary>
internal static class ReportPlots
{
    public const string LossMetric = "loss";
    public const string ValLossMetric = "val_loss";
    public const string RewardMetric = "reward";
    public static readonly string[] WeightMetrics = ["weight_mean", "weight_std", "weight_clipped"];

    // A loss logged every step is too noisy to compare runs by eye; past this many points plot an EMA.
    private const int SmoothAbove = 200;

    public static List<ReportPlot> Plan(IReadOnlyList<MetricSeries> metrics, IReadOnlyList<ResultRow> rows)
    {
        var plots = new List<ReportPlot>();
        plots.AddRange(CurvesByStageFamily(metrics, [LossMetric, ValLossMetric], "Loss", "loss", "training loss"));
        plots.AddRange(CurvesByStageFamily(metrics, [RewardMetric], "RL reward", "reward", "mean reward"));
        plots.AddRange(WeightPlots(metrics));
        plots.AddRange(ResultBars(rows));
        plots.AddRange(PassAtKPlots(rows));
        plots.AddRange(AccuracyVsOpPlots(rows));
        return plots;
    }

    /// <summary>
    /// One chart per stage family (the part before ':'), so "midtrain:remit" and "midtrain:uniform"
    /// share axes and can be compared directly.
    /// </summary>
    private static IEnumerable<ReportPlot> CurvesByStageFamily(
        IReadOnlyList<MetricSeries> metrics, string[] names, string section, string filePrefix, string yLabel)
    {
        var selected = metrics.Where(s => names.Contains(s.Metric) && s.Points.Count > 0).ToList();
        foreach (var family in selected.GroupBy(s => Family(s.Stage)))
        {
            var series = family.ToList();
            bool smooth = series.Any(s => s.Points.Count > SmoothAbove);
            string title = $"{section} — {family.Key}{(smooth ? " (EMA-smoothed)" : "")}";
            yield return new ReportPlot(section, title, $"{filePrefix}_{Slug(family.Key)}.png", () =>
            {
                var plot = new LinePlot(title, "step", yLabel);
                foreach (var s in series)
                {
                    string name = s.Metric == names[0] ? s.Stage : $"{s.Stage} ({s.Metric})";
                    var points = s.XY.ToList();
                    plot.Add(name, smooth ? Ema(points) : points, dashed: s.Metric != names[0]);
                }
                return plot.ToPng();
            });
        }
    }

    private static IEnumerable<ReportPlot> WeightPlots(IReadOnlyList<MetricSeries> metrics)
    {
        var selected = metrics.Where(s => WeightMetrics.Contains(s.Metric) && s.Points.Count > 0).ToList();
        foreach (var stage in selected.GroupBy(s => s.Stage))
        {
            string title = $"ReMiT token weights — {stage.Key}";
            var series = stage.OrderBy(s => Array.IndexOf(WeightMetrics, s.Metric)).ToList();
            yield return new ReportPlot("ReMiT token weights", title, $"weights_{Slug(stage.Key)}.png", () =>
            {
                var plot = new LinePlot(title, "step", "value (clipped: fraction of tokens)");
                foreach (var s in series) plot.Add(s.Metric, s.XY);
                return plot.ToPng();
            });
        }
    }

    /// <summary>Greedy pass@1 (answer level) of every model on every non-opN split, one group per task/split.</summary>
    private static IEnumerable<ReportPlot> ResultBars(IReadOnlyList<ResultRow> rows)
    {
        var pivot = new ResultsPivot(rows.Where(r => !IsOpSplit(r.Split)));
        if (pivot.IsEmpty) yield break;
        const string title = "greedy pass@1 (answer) by model and split";
        yield return new ReportPlot("Results", title, "pass1_bars.png", () =>
        {
            var plot = new BarPlot(title, "pass@1", pivot.Columns.Select(c => $"{c.Task}/{c.Split}").ToList()) { YMax = 1.1 };
            foreach (string model in pivot.Models)
                plot.Add(model, pivot.Columns.Select(c => pivot.Cell(model, c)?.PassAtK).ToList());
            if (pivot.HasBaselines) plot.Add("guess baseline", pivot.Columns.Select(pivot.Baseline).ToList());
            return plot.ToPng();
        });
    }

    private static IEnumerable<ReportPlot> PassAtKPlots(IReadOnlyList<ResultRow> rows)
    {
        // The sampled curve (answer level); greedy is its own metric, not its k = 1 point.
        foreach (var group in rows.Where(r => r.Metric == EvalMetrics.SampledAnswer).GroupBy(r => (r.Task, r.Split)).OrderBy(g => g.Key.Split, SplitOrder.Instance))
        {
            if (group.Select(r => r.K).Distinct().Count() < 2) continue;
            var byModel = group.GroupBy(r => r.Model).ToList();
            double? baseline = group.Select(r => r.Baseline).FirstOrDefault(b => b is not null);
            string title = $"sampled pass@k vs k — {group.Key.Task}/{group.Key.Split}";
            yield return new ReportPlot("pass@k", title, $"passk_{Slug(group.Key.Task)}_{Slug(group.Key.Split)}.png", () =>
            {
                var plot = new LinePlot(title, "k (log scale)", "pass@k")
                {
                    LogX = true,
                    YMin = 0,
                    YMax = 1.05,
                    Reference = baseline is { } b ? new ReferenceLine("guess baseline", b) : null,
                };
                foreach (var model in byModel)
                    plot.Add(model.Key, model.OrderBy(r => r.K).Select(r => ((double)r.K, r.PassAtK)));
                return plot.ToPng();
            });
        }
    }

    private static IEnumerable<ReportPlot> AccuracyVsOpPlots(IReadOnlyList<ResultRow> rows)
    {
        var opRows = rows.Where(r => r.K == 1 && r.Metric == EvalMetrics.GreedyAnswer && IsOpSplit(r.Split)).ToList();
        foreach (var task in opRows.GroupBy(r => r.Task))
        {
            var byModel = task.GroupBy(r => r.Model).ToList();
            var baselines = task.GroupBy(r => r.Split)
                .Select(g => (Op: OpNumber(g.Key), Baseline: g.Select(r => r.Baseline).FirstOrDefault(b => b is not null)))
                .Where(p => p.Baseline is not null)
                .OrderBy(p => p.Op)
                .Select(p => ((double)p.Op, p.Baseline!.Value))
                .ToList();
            string title = $"greedy pass@1 (answer) vs number of operations — {task.Key}";
            yield return new ReportPlot("Accuracy vs difficulty", title, $"ops_{Slug(task.Key)}.png", () =>
            {
                var plot = new LinePlot(title, "operations (op)", "pass@1") { YMin = 0, YMax = 1.05 };
                foreach (var model in byModel)
                    plot.Add(model.Key, model.Select(r => ((double)OpNumber(r.Split), r.PassAtK)).OrderBy(p => p.Item1));
                if (baselines.Count > 0) plot.Add("guess baseline", baselines, dashed: true);
                return plot.ToPng();
            });
        }
    }

    public static bool IsOpSplit(string split) =>
        SplitOrder.Split(split) is ("op", not null);

    private static long OpNumber(string split) => SplitOrder.Split(split).Number ?? 0;

    /// <summary>"midtrain:remit" → "midtrain".</summary>
    public static string Family(string stage) => stage.Split(':', 2)[0];

    /// <summary>A file-name-safe form of a stage or split name: "rl:remit+rl" → "rl_remit_rl".</summary>
    public static string Slug(string name)
    {
        var sb = new StringBuilder(name.Length);
        foreach (char c in name.ToLowerInvariant())
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' ? c : '_');
        return sb.ToString().Trim('_', '.') is { Length: > 0 } slug ? slug : "unnamed";
    }

    /// <summary>Exponential moving average with a span of about 1/50 of the series (bias-corrected at the start).</summary>
    internal static List<(double X, double Y)> Ema(IReadOnlyList<(double X, double Y)> points)
    {
        double alpha = 2.0 / (Math.Max(10, points.Count / 50) + 1);
        var result = new List<(double X, double Y)>(points.Count);
        double avg = 0, weight = 0;
        foreach (var (x, y) in points)
        {
            if (!double.IsFinite(y)) continue;
            avg = (1 - alpha) * avg + alpha * y;
            weight = (1 - alpha) * weight + alpha;
            result.Add((x, avg / weight));
        }
        return result;
    }
}
