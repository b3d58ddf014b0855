using System.Text;
using ReMiT.Training.Reporting;

namespace ReMiT.Training.Experiments;

/// <summary>
/// Writes <c>DIR/report.md</c> for an analysed experiment: the comparison table (primary first, marked), the
/// arms' means with CIs, error-bar plots under <c>DIR/plots/</c>, and the smallest effect each comparison could detect.
/// </summary>
internal static class ExperimentReport
{
    public const string FileName = "report.md";

    public static string Write(string dir, ExperimentFile file, IReadOnlyList<ArmMean> means, TextWriter log)
    {
        var md = new StringBuilder();
        string name = Path.GetFileName(Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar));
        md.Append("# Experiment report: ").Append(name).Append("\n\n");
        md.Append("Arms: ").AppendJoin(", ", file.Arms.Select(a => $"{a.Name} (seeds {string.Join(", ", a.Seeds.Select(s => s.Seed))})")).Append(".\n\n");

        md.Append(ReusedStages(dir));
        md.Append("## Comparisons\n\n").Append(ComparisonText.Method).Append("\n\n");
        md.Append(ComparisonTable(file.Comparisons)).Append('\n');

        md.Append("## Arm means\n\nMean over seeds of the per-problem metric, with a 95% hierarchical bootstrap CI.\n\n");
        md.Append(MeansTable(means)).Append('\n');

        md.Append("## Plots\n\n");
        foreach (var (title, fileName, render) in Plots(file.Comparisons, means))
        {
            string relative = $"{RunReport.PlotsFolder}/{fileName}";
            try
            {
                AtomicFile.WriteAllBytes(Path.Combine(dir, RunReport.PlotsFolder, fileName), render());
                md.Append($"![{title}]({relative})\n\n");
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A chart that cannot be drawn (SkiaSharp's native library missing) must not cost the tables.
                log.WriteLine($"plot {relative} ({title}): not drawn: {e.GetType().Name}: {e.Message}");
                md.Append($"*{title}: not drawn ({e.GetType().Name}: {e.Message}).*\n\n");
            }
        }

        md.Append("## What this design can detect\n\n");
        foreach (var r in PrimaryFirst(file.Comparisons)) md.Append("- ").Append(ComparisonText.MinimumDetectableEffect(r)).Append('\n');
        md.Append('\n');

        string path = Path.Combine(dir, FileName);
        AtomicFile.WriteAllText(path, md.ToString());
        return path;
    }

    /// <summary>The comparisons as a markdown table, the primary one first and marked.</summary>
    public static string ComparisonTable(IReadOnlyList<ComparisonResult> comparisons)
    {
        string[] header = ["", "a − b", "metric", "diff", "95% CI", "p", "p (Holm)", "problems", "seeds"];
        var body = PrimaryFirst(comparisons).Select(r => (IReadOnlyList<string>)
        [
            r.Primary ? "**primary**" : "",
            ComparisonText.Label(r),
            ComparisonText.Key(r.Metric, r.Split, r.K),
            ComparisonText.Signed(r.Diff),
            ComparisonText.Ci(r.CiLow, r.CiHigh),
            ComparisonText.P(r.PValue),
            ComparisonText.P(r.PHolm),
            r.NProblems.ToString(System.Globalization.CultureInfo.InvariantCulture),
            r.NSeeds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ]);
        return TextTable.Markdown(header, body);
    }

    /// <summary>Which stages each seed copied from another experiment (<see cref="StageReuse"/>); empty when none.</summary>
    private static string ReusedStages(string dir)
    {
        var lines = Directory.GetDirectories(dir, "seed-*").Order(StringComparer.Ordinal)
            .Select(seedDir => (Seed: Path.GetFileName(seedDir), Path: Path.Combine(seedDir, StageReuse.RecordFile)))
            .Where(s => File.Exists(s.Path))
            .Select(s =>
            {
                var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(s.Path))!;
                var stages = node["stages"]!.AsArray().Select(x => x!.GetValue<string>());
                return $"- {s.Seed}: {string.Join(", ", stages)} copied from `{node["source"]!.GetValue<string>()}`";
            }).ToList();
        return lines.Count == 0 ? "" :
            "Stages not run here but copied, with the same stage, inputs and config, from another experiment's same seed " +
            "(`--reuse-from`; each seed's `reused.json`):\n\n" + string.Join("\n", lines) + "\n\n";
    }

    private static IEnumerable<ComparisonResult> PrimaryFirst(IReadOnlyList<ComparisonResult> comparisons) =>
        comparisons.Where(r => r.Primary).Concat(comparisons.Where(r => !r.Primary));

    private static string MeansTable(IReadOnlyList<ArmMean> means)
    {
        var keys = means.Select(m => (m.Metric, m.Split, m.K)).Distinct().ToList();
        var header = new List<string> { "arm" };
        header.AddRange(keys.Select(k => ComparisonText.Key(k.Metric, k.Split, k.K)));
        var body = means.Select(m => m.Arm).Distinct().Select(arm => (IReadOnlyList<string>)
        [
            arm,
            .. keys.Select(k => means.FirstOrDefault(m => m.Arm == arm && (m.Metric, m.Split, m.K) == k) is { } m
                ? $"{ComparisonText.Number(m.Mean)} [{ComparisonText.Number(m.CiLow)}, {ComparisonText.Number(m.CiHigh)}]"
                : ""),
        ]);
        return TextTable.Markdown(header, body);
    }

    private static IEnumerable<(string Title, string FileName, Func<byte[]> Render)> Plots(
        IReadOnlyList<ComparisonResult> comparisons, IReadOnlyList<ArmMean> means)
    {
        // One chart of all paired differences (a forest plot), zero marked.
        var ordered = PrimaryFirst(comparisons).ToList();
        yield return ("Paired differences (95% CI)", "differences.png", () =>
        {
            var plot = new ErrorBarPlot("Paired differences a − b (95% CI)", "a − b",
                ordered.Select(r => $"{ComparisonText.Label(r)}\n{ComparisonText.Key(r.Metric, r.Split, r.K)}").ToList())
            { Reference = new ReferenceLine("no difference", 0), Width = Math.Max(800, 160 * ordered.Count) };
            plot.Add("diff", ordered.Select(r => (Interval?)new Interval(r.Diff, r.CiLow, r.CiHigh)).ToList());
            return plot.ToPng();
        });

        // One chart per metric and k: splits along x, one colour per arm.
        foreach (var group in means.GroupBy(m => (m.Metric, m.K)))
        {
            var splits = group.Select(m => m.Split).Distinct().Order(SplitOrder.Instance).ToList();
            var arms = group.Select(m => m.Arm).Distinct().ToList();
            string key = group.Key.Metric.IsGreedy() ? group.Key.Metric.Name() : $"{group.Key.Metric.Name()}@{group.Key.K}";
            yield return ($"{key} by arm (95% CI)", $"means_{key.Replace('@', '_')}.png", () =>
            {
                var plot = new ErrorBarPlot($"{key} by arm (95% CI)", key, splits) { YMin = -0.05, YMax = 1.05 };
                foreach (string arm in arms)
                    plot.Add(arm, splits.Select(s => group.FirstOrDefault(m => m.Arm == arm && m.Split == s) is { } m
                        ? (Interval?)new Interval(m.Mean, m.CiLow, m.CiHigh) : null).ToList());
                return plot.ToPng();
            });
        }
    }
}
