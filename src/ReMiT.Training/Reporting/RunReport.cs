using System.Globalization;
using System.Text;

namespace ReMiT.Training.Reporting;

/// <summary>
/// Builds <c>&lt;run&gt;/report.md</c> and <c>&lt;run&gt;/plots/*.png</c> from the files stages leave behind
/// (<c>metrics.jsonl</c>, <c>stages/*.json</c>, <c>results.json</c>) and nothing else, so it can run any time:
/// after a run, during one, or on one that crashed. Whatever is missing is left out of the report.
/// </summary>
public static class RunReport
{
    public const string ReportFileName = "report.md";
    public const string PlotsFolder = "plots";

    /// <summary>Writes the report and its plots; returns the report's path.</summary>
    /// <param name="warn">Receives each problem met (a skipped line, a plot that failed); stderr by default.</param>
    public static string Build(string runDir, Action<string>? warn = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runDir);
        if (!Directory.Exists(runDir))
            throw new DirectoryNotFoundException($"run folder '{runDir}' does not exist; pass the folder that holds metrics.jsonl, stages/ and results.json");

        var warnings = new List<string>();
        void Warn(string message)
        {
            warnings.Add(message);
            (warn ?? (m => Console.Error.WriteLine(m)))(message);
        }

        var metrics = MetricsLog.Read(Path.Combine(runDir, MetricsLog.FileName), Warn);
        var stages = StageSummary.ReadAll(runDir, Warn);
        var (rows, cluster) = ReadResults(runDir, Warn);

        var md = new StringBuilder();
        WriteHeader(md, runDir);
        WriteStages(md, stages, metrics);
        CalibrationSection.Write(md, runDir, Warn);
        WriteResults(md, rows);
        EvalReport.Write(md, runDir, rows, Warn);
        PairedRunSection.Write(md, runDir, stages, Warn);
        WriteCluster(md, cluster);
        WritePlots(md, runDir, ReportPlots.Plan(metrics, rows), Warn);
        WriteLastValues(md, metrics);
        if (warnings.Count > 0)
        {
            md.Append("## Warnings\n\n");
            foreach (string w in warnings) md.Append("- ").Append(w).Append('\n');
            md.Append('\n');
        }

        string path = Path.Combine(runDir, ReportFileName);
        AtomicFile.WriteAllText(path, md.ToString());
        return path;
    }

    /// <summary>The pass@1 grid (rows = model, columns = task/split, last row the guess baseline) as aligned text.</summary>
    public static string FormatResultsTable(IEnumerable<ResultRow> rows)
    {
        var pivot = new ResultsPivot(rows);
        if (pivot.IsEmpty) return "no pass@1 results\n";
        var (header, body) = ResultsGrid(pivot);
        return "greedy pass@1 (answer)\n" + TextTable.Plain(header, body);
    }

    private static (IReadOnlyList<ResultRow> Rows, System.Text.Json.Nodes.JsonNode? Cluster) ReadResults(string runDir, Action<string> warn)
    {
        try
        {
            var file = ResultsFile.Read(ResultsFile.PathFor(runDir));
            return (file.Rows, file.Cluster);
        }
        catch (InvalidDataException e)
        {
            warn(e.Message);
            return ([], null);
        }
    }

    // Who ran the run (results.json's "cluster" section, written by the coordinator).
    private static void WriteCluster(StringBuilder md, System.Text.Json.Nodes.JsonNode? cluster)
    {
        if (cluster?["members"] is not System.Text.Json.Nodes.JsonArray members) return;
        md.Append("## Cluster\n\n| role | address | pid |\n|---|---|---|\n");
        foreach (var m in members)
            md.Append($"| {m?["role"]} | {m?["address"]} | {m?["pid"]} |\n");
        // Runs before 2026-12-05 wrote the dropped duplicates as "experiences_duplicated"; same count, clearer name now.
        var dropped = cluster["duplicate_results_dropped"] ?? cluster["experiences_duplicated"];
        md.Append($"\nLearner ranks: {cluster["learner_ranks"]}; experiences lost: {cluster["experiences_lost"]}; duplicate results dropped " +
                  $"(never trained on): {dropped}; metric families served: {(cluster["metrics_seen"] as System.Text.Json.Nodes.JsonArray)?.Count ?? 0}.\n\n");
    }

    private static void WriteHeader(StringBuilder md, string runDir)
    {
        string full = Path.GetFullPath(runDir);
        md.Append("# Run report: ").Append(Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar))).Append("\n\n");
        if (Flywheel.DryRunMarker.IsDryRun(full))
            md.Append("> **DRY RUN**: every stage was capped to a few steps (`--dry-run`); the numbers below mean nothing.\n\n");
        md.Append("- run: `").Append(full).Append("`\n");
        md.Append("- report built: ").Append(DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append('\n');
        md.Append("- git commit of the checkout: ").Append(RunEnvironment.GitCommit(full) is { } commit ? $"`{commit}`" : "unknown").Append('\n');
        md.Append("- remit that built this report: commit ").Append(RunEnvironment.BuildCommit() is { } built ? $"`{built}`" : "unknown").Append('\n');
        md.Append("- machine: ").Append(RunEnvironment.Machine()).Append("\n\n");
    }

    private static void WriteStages(StringBuilder md, IReadOnlyList<StageSummary> stages, IReadOnlyList<MetricSeries> metrics)
    {
        md.Append("## Stages\n\n");
        if (stages.Count == 0) md.Append("No stage summaries (`stages/*.json`).\n\n");
        else
        {
            string[] header = ["stage", "kind", "model", "steps", "tokens", "seconds", "final loss", "extra"];
            var body = stages.Select(s => (IReadOnlyList<string>)
            [
                s.Stage,
                s.Kind.ToString().ToLowerInvariant(),
                s.Model ?? "",
                s.Steps.ToString("N0", CultureInfo.InvariantCulture),
                s.Tokens.ToString("N0", CultureInfo.InvariantCulture),
                s.Seconds.ToString("0.0", CultureInfo.InvariantCulture),
                s.FinalLoss is { } loss ? loss.ToString("0.0000", CultureInfo.InvariantCulture) : "",
                string.Join(", ", (s.Extra ?? []).Select(kv => $"{kv.Key}={Number(kv.Value)}")),
            ]);
            md.Append(TextTable.Markdown(header, body)).Append('\n');
        }

        // A stage that logged metrics but left no summary crashed or is still running: say so.
        var finished = stages.Select(s => s.Stage).ToHashSet();
        foreach (var stage in metrics.GroupBy(s => s.Stage).Where(g => !finished.Contains(g.Key)))
        {
            long lastStep = stage.Max(s => s.Points.Count == 0 ? 0 : s.Points.Max(p => p.Step));
            var lastTime = stage.SelectMany(s => s.Points).Select(p => p.Time).DefaultIfEmpty().Max();
            md.Append($"> **{stage.Key}**: metrics up to step {lastStep} (last at {lastTime:yyyy-MM-dd HH:mm:ss}Z) but no summary: the stage crashed or is still running.\n\n");
        }
    }

    private static void WriteResults(StringBuilder md, IReadOnlyList<ResultRow> rows)
    {
        md.Append("## Results\n\n");
        var pivot = new ResultsPivot(rows);
        if (pivot.IsEmpty)
        {
            md.Append(rows.Count == 0 ? "No results (`results.json`).\n\n" : "No pass@1 rows.\n\n");
        }
        else
        {
            md.Append("Greedy pass@1, answer level (final answer right); the strict level and the sampled pass@k follow below. n = problems per cell. The last row is the guessing baseline: the most common gold answer per op and mode, fit on the dev set, scored on these problems.\n\n");
            var (header, body) = ResultsGrid(pivot);
            md.Append(TextTable.Markdown(header, body)).Append('\n');
        }
    }

    internal static (IReadOnlyList<string> Header, List<IReadOnlyList<string>> Body) ResultsGrid(ResultsPivot pivot)
    {
        var header = new List<string> { "model" };
        header.AddRange(pivot.Columns.Select(pivot.Header));
        var body = pivot.Models.Select(m => (IReadOnlyList<string>)
            [m, .. pivot.Columns.Select(c => pivot.FormatCell(m, c))]).ToList();
        if (pivot.HasBaselines)
            body.Add(["guess baseline (most common answer)", .. pivot.Columns.Select(c => ResultsPivot.Format(pivot.Baseline(c)))]);
        return (header, body);
    }

    private static void WritePlots(StringBuilder md, string runDir, List<ReportPlot> plots, Action<string> warn)
    {
        if (plots.Count == 0) return;
        md.Append("## Plots\n\n");
        string? section = null;
        foreach (var plot in plots)
        {
            if (plot.Section != section)
            {
                section = plot.Section;
                md.Append("### ").Append(section).Append("\n\n");
            }
            string relative = $"{PlotsFolder}/{plot.FileName}";
            try
            {
                AtomicFile.WriteAllBytes(Path.Combine(runDir, PlotsFolder, plot.FileName), plot.Render());
                md.Append($"![{plot.Title}]({relative})\n\n");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One chart that cannot be drawn (e.g. SkiaSharp's native library missing) must not cost the tables.
                warn($"plot {relative} ({plot.Title}): not drawn: {e.GetType().Name}: {e.Message}");
                md.Append($"*{plot.Title}: not drawn ({e.GetType().Name}), see Warnings.*\n\n");
            }
        }
    }

    private static void WriteLastValues(StringBuilder md, IReadOnlyList<MetricSeries> metrics)
    {
        if (metrics.Count == 0) return;
        md.Append("## Last logged values\n\n");
        string[] header = ["stage", "metric", "points", "last step", "last value", "min", "max"];
        var body = metrics.Where(s => s.Points.Count > 0).Select(s =>
        {
            var finite = s.Points.Select(p => p.Value).Where(double.IsFinite).DefaultIfEmpty(double.NaN).ToList();
            return (IReadOnlyList<string>)
            [
                s.Stage, s.Metric, s.Points.Count.ToString(CultureInfo.InvariantCulture),
                s.Points[^1].Step.ToString(CultureInfo.InvariantCulture),
                Number(s.Points[^1].Value), Number(finite.Min()), Number(finite.Max()),
            ];
        });
        md.Append(TextTable.Markdown(header, body)).Append('\n');
    }

    private static string Number(double value) => value.ToString("G5", CultureInfo.InvariantCulture);
}
