using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ReMiT.Training.Reporting;

/// <summary>
/// Builds <c>report.md</c> and <c>plots/*.png</c> from a run directory's files alone (stage
/// summaries, metrics.jsonl, results.json), so it works on a finished run, a crashed one, or one
/// copied off a cluster: <c>remit report DIR</c>.
/// </summary>
public static class RunReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Build(string runDirectory, TextWriter? warnings = null)
    {
        string run = Path.GetFullPath(runDirectory);
        if (!Directory.Exists(run)) throw new DirectoryNotFoundException($"Run directory '{runDirectory}' does not exist.");
        var md = new StringBuilder();
        md.AppendLine($"# ReMiT flywheel run: {Path.GetFileName(run)}").AppendLine();
        md.AppendLine($"- directory: `{run}`");
        md.AppendLine($"- report built: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; commit {GitCommit(run) ?? "unknown"}");
        md.AppendLine($"- machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}").AppendLine();

        var stages = StageSummary.ReadAll(run);
        if (stages.Count > 0)
        {
            md.AppendLine("## Stages").AppendLine();
            md.AppendLine("| stage | kind | steps | tokens | seconds | final loss | notes |");
            md.AppendLine("|---|---|---|---|---|---|---|");
            foreach (var s in stages)
                md.AppendLine($"| {s.Stage} | {s.Kind} | {s.Steps} | {s.Tokens:N0} | {s.Seconds:F0} | {(s.FinalLoss is double l ? l.ToString("F4", Inv) : "")} | " +
                              string.Join(", ", s.Extra.Select(e => $"{e.Key} {e.Value.ToString("G4", Inv)}")) + " |");
            md.AppendLine($"\nTotal stage time: {TimeSpan.FromSeconds(stages.Sum(s => s.Seconds)):hh\\:mm\\:ss}.").AppendLine();
        }

        var results = ResultsFile.Read(Path.Combine(run, ResultsFile.FileName)).Rows;
        if (results.Count > 0)
        {
            md.AppendLine("## Results").AppendLine();
            md.AppendLine("pass@1 is greedy; pass@k (k ≥ 2) is the unbiased estimator over the sampled completions. " +
                          "In brackets: the accuracy of always answering the most common answer of those problems.").AppendLine();
            md.AppendLine(ResultsMarkdown(results)).AppendLine();
        }

        string plots = Path.Combine(run, "plots");
        var metrics = MetricsLog.Read(Path.Combine(run, "metrics.jsonl"), warnings);
        var figures = new List<(string Title, string File)>();
        void Plot(string file, string title, string x, string y, IReadOnlyList<Series> series, bool logX = false, (string, double)? reference = null)
        {
            if (series.Count == 0 || series.All(s => s.X.Count == 0)) return;
            Charts.Line(Path.Combine(plots, file), title, x, y, series, logX, reference);
            figures.Add((title, file));
        }
        Series FromMetric(string stage, string metric) =>
            new(stage, metrics[(stage, metric)].Select(p => (double)p.Step).ToList(), metrics[(stage, metric)].Select(p => p.Value).ToList());
        IReadOnlyList<Series> All(string metric, Func<string, bool> stageFilter) =>
            metrics.Keys.Where(k => k.Metric == metric && stageFilter(k.Stage)).Select(k => FromMetric(k.Stage, metric)).ToList();

        Plot("loss_pretrain.png", "Pre-training loss", "step", "loss", All("loss", s => s.StartsWith("pretrain", StringComparison.Ordinal)));
        Plot("loss_midtrain.png", "Mid-training loss (the decay phase)", "step", "loss", All("loss", s => s.StartsWith("midtrain", StringComparison.Ordinal)));
        Plot("reward_rl.png", "RLVR reward (mean over rollouts)", "step", "reward", All("reward", s => s.StartsWith("rl", StringComparison.Ordinal)));
        Plot("remit_weights.png", "ReMiT token weights: mean and std", "step", "weight",
             [.. All("weight_mean", _ => true).Select(s => s with { Name = s.Name + " mean" }),
              .. All("weight_std", _ => true).Select(s => s with { Name = s.Name + " std" })]);
        Plot("remit_clipped.png", "Share of tokens at a clip bound", "step", "share", All("weight_clipped", _ => true));

        foreach (var group in results.Where(r => r.K > 1).GroupBy(r => (r.Task, r.Split)).Where(g => !g.Key.Split.StartsWith("op", StringComparison.Ordinal)))
        {
            var series = results.Where(r => r.Task == group.Key.Task && r.Split == group.Key.Split)
                .GroupBy(r => r.Model)
                .Select(m => new Series(m.Key, m.OrderBy(r => r.K).Select(r => (double)r.K).ToList(), m.OrderBy(r => r.K).Select(r => r.PassAtK).ToList()))
                .ToList();
            double? baseline = group.FirstOrDefault()?.Baseline;
            Plot($"passk_{group.Key.Task}_{group.Key.Split}.png", $"pass@k vs k ({group.Key.Task}, {group.Key.Split})", "k", "pass@k", series, logX: true,
                 baseline is double b ? ("most-common answer", b) : null);
        }
        foreach (var task in results.Where(r => r.K == 1 && r.Split.StartsWith("op", StringComparison.Ordinal)).GroupBy(r => r.Task))
        {
            var series = task.GroupBy(r => r.Model)
                .Select(m => new Series(m.Key, m.OrderBy(Op).Select(r => (double)Op(r)).ToList(), m.OrderBy(Op).Select(r => r.PassAtK).ToList()))
                .ToList();
            var baselineRows = task.GroupBy(Op).OrderBy(g => g.Key).Select(g => g.First()).Where(r => r.Baseline.HasValue).ToList();
            if (baselineRows.Count > 0)
                series.Add(new Series("most-common answer", baselineRows.Select(r => (double)Op(r)).ToList(), baselineRows.Select(r => r.Baseline!.Value).ToList()));
            Plot($"accuracy_vs_op_{task.Key}.png", $"Greedy accuracy vs number of operations ({task.Key})", "operations", "accuracy", series);
        }

        if (figures.Count > 0)
        {
            md.AppendLine("## Plots").AppendLine();
            foreach (var (title, file) in figures) md.AppendLine($"![{title}](plots/{file})").AppendLine();
        }
        string path = Path.Combine(run, "report.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }

    private static int Op(ResultRow r) => int.Parse(r.Split.AsSpan(2), Inv);

    /// <summary>The k = 1 results as a table: rows = models, columns = task/split, cells "acc (baseline)".</summary>
    public static string ResultsMarkdown(IReadOnlyList<ResultRow> rows)
    {
        var greedy = rows.Where(r => r.K == 1 && !r.Split.StartsWith("op", StringComparison.Ordinal)).ToList();
        if (greedy.Count == 0) greedy = rows.Where(r => r.K == 1).ToList();
        var columns = greedy.Select(r => (r.Task, r.Split)).Distinct().ToList();
        var models = greedy.Select(r => r.Model).Distinct().ToList();
        int maxK = rows.Count == 0 ? 1 : rows.Max(r => r.K);
        var sb = new StringBuilder();
        sb.AppendLine("| model | " + string.Join(" | ", columns.Select(c => $"{c.Task} {c.Split} pass@1")) +
                      (maxK > 1 ? " | " + string.Join(" | ", columns.Select(c => $"{c.Task} {c.Split} pass@{maxK}")) : "") + " |");
        sb.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---|", columns.Count * (maxK > 1 ? 2 : 1))));
        foreach (string m in models)
        {
            var cells = columns.Select(c => greedy.FirstOrDefault(r => r.Model == m && r.Task == c.Task && r.Split == c.Split) is { } r
                ? $"{r.PassAtK:P1}" + (r.Baseline is double b ? $" ({b:P0})" : "") : "");
            var high = maxK > 1 ? columns.Select(c => rows.FirstOrDefault(r => r.Model == m && r.Task == c.Task && r.Split == c.Split && r.K == maxK) is { } r
                ? $"{r.PassAtK:P1}" : "") : [];
            sb.AppendLine($"| {m} | " + string.Join(" | ", cells.Concat(high)) + " |");
        }
        return sb.ToString();
    }

    /// <summary>The same table for a terminal.</summary>
    public static string FormatResultsTable(IReadOnlyList<ResultRow> rows)
    {
        var greedy = rows.Where(r => r.K == 1 && !r.Split.StartsWith("op", StringComparison.Ordinal)).ToList();
        var columns = greedy.Select(r => (r.Task, r.Split)).Distinct().ToList();
        var sb = new StringBuilder();
        sb.AppendLine($"{"model",-16}" + string.Concat(columns.Select(c => $"{c.Task + " " + c.Split + " pass@1",22}")));
        foreach (string m in greedy.Select(r => r.Model).Distinct())
            sb.AppendLine($"{m,-16}" + string.Concat(columns.Select(c =>
                greedy.FirstOrDefault(r => r.Model == m && r.Task == c.Task && r.Split == c.Split) is { } r
                    ? $"{r.PassAtK.ToString("P1", Inv) + (r.Baseline is double b ? $" ({b.ToString("P0", Inv)})" : ""),22}" : $"{"",22}")));
        return sb.ToString();
    }

    private static string? GitCommit(string directory)
    {
        try
        {
            var psi = new ProcessStartInfo("git", "rev-parse --short HEAD") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(psi);
            if (p is null) return null;
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            return p.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; } // no git on the machine
    }
}
