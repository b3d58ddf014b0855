using System.Text;
using ReMiT.Training.Experiments;

namespace ReMiT.Training.Reporting;

/// <summary>
/// The run report's paired comparisons, from the per-problem eval files (<c>RUN/eval/&lt;model&gt;.jsonl</c>):
/// ReMiT − uniform on greedy strict and answer accuracy for every split, and each mid-trained model − the
/// pre-decay base on ID. A run has one seed, so the CI is the paired bootstrap over problems only. Every
/// difference is shown whatever its sign, with the smallest effect the run could have detected.
/// </summary>
internal static class PairedRunSection
{
    public const string PlotFileName = "paired_differences.png";
    private static readonly EvalMetric[] Metrics = [EvalMetric.GreedyStrict, EvalMetric.GreedyAnswer];
    private static readonly string[] Splits = ["id", "edge", "hard"];

    /// <summary>Appends the section when the eval files it needs exist; problems with them go to <paramref name="warn"/>.</summary>
    public static void Write(StringBuilder md, string runDir, IReadOnlyList<StageSummary> stages, Action<string> warn)
    {
        var files = new Dictionary<string, IReadOnlyList<EvalRecord>?>(StringComparer.Ordinal);
        IReadOnlyList<EvalRecord>? Records(string model)
        {
            if (files.TryGetValue(model, out var cached)) return cached;
            string path = EvalRecordsFile.PathFor(runDir, model);
            IReadOnlyList<EvalRecord>? read = null;
            if (File.Exists(path))
            {
                try { read = EvalRecordsFile.Read(path); }
                catch (InvalidDataException e) { warn($"paired comparisons: {e.Message}"); }
            }
            return files[model] = read;
        }

        var results = new List<ComparisonResult>();
        void Compare(string a, string b, EvalMetric metric, string split)
        {
            if (Records(a) is not { } ra || Records(b) is not { } rb) return;
            string fa = Path.Combine(EvalRecordsFile.Folder, a + EvalRecordsFile.Extension), fb = Path.Combine(EvalRecordsFile.Folder, b + EvalRecordsFile.Extension);
            var va = MetricValues.Of(ra, metric, split, 1, fa);
            var vb = MetricValues.Of(rb, metric, split, 1, fb);
            if (va.Count == 0 && vb.Count == 0) return; // the run did not evaluate this split
            try
            {
                var diffs = PairedProblems.Differences(va, vb, fa, fb, $"{a} − {b} {metric.Name()}/{split}");
                results.Add(ExperimentAnalysis.Summarise(new ComparisonRequest(a, b, metric, split), [diffs]));
            }
            catch (InvalidDataException e) { warn($"paired comparisons: {e.Message}"); }
        }

        foreach (string split in Splits)
            foreach (var metric in Metrics)
                Compare("remit", "uniform", metric, split);
        var midTrained = stages.Where(s => s.Kind == StageKind.Midtrain && s.Model is not null)
            .Select(s => Path.GetFileName(s.Model!)).Concat(["uniform", "remit"]).Distinct().Where(m => m != "base");
        foreach (string model in midTrained)
            foreach (var metric in Metrics)
                Compare(model, "base", metric, "id");
        if (results.Count == 0) return;

        var holm = HolmBonferroni.Adjust(results.Select(r => r.PValue).ToList());
        results = results.Select((r, i) => r with { PHolm = holm[i] }).ToList();

        md.Append("## ReMiT − uniform (paired)\n\n");
        md.Append("Paired over the same eval problems (one seed, so the CI resamples problems only). ").Append(ComparisonText.Method).Append("\n\n");
        var remit = results.Where(r => r.B == "uniform").ToList();
        var vsBase = results.Where(r => r.B == "base").ToList();
        if (remit.Count > 0) md.Append(ExperimentReport.ComparisonTable(remit)).Append('\n');
        else md.Append("No remit/uniform eval files (`eval/remit.jsonl`, `eval/uniform.jsonl`) to pair.\n\n");
        if (vsBase.Count > 0)
        {
            md.Append("### Mid-training vs the pre-decay base (ID, paired)\n\n");
            md.Append(ExperimentReport.ComparisonTable(vsBase)).Append('\n');
        }
        md.Append("Smallest detectable effects:\n\n");
        foreach (var r in results) md.Append("- ").Append(ComparisonText.MinimumDetectableEffect(r)).Append('\n');
        md.Append('\n');

        string relative = $"{RunReport.PlotsFolder}/{PlotFileName}";
        try
        {
            var plot = new ErrorBarPlot("Paired differences a − b (95% CI)", "a − b",
                results.Select(r => $"{ComparisonText.Label(r)}\n{ComparisonText.Key(r.Metric, r.Split, r.K)}").ToList())
            { Reference = new ReferenceLine("no difference", 0), Width = Math.Max(800, 130 * results.Count) };
            plot.Add("diff", results.Select(r => (Interval?)new Interval(r.Diff, r.CiLow, r.CiHigh)).ToList());
            AtomicFile.WriteAllBytes(Path.Combine(runDir, relative), plot.ToPng());
            md.Append($"![Paired differences]({relative})\n\n");
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            warn($"plot {relative} (paired differences): not drawn: {e.GetType().Name}: {e.Message}");
        }
    }
}
