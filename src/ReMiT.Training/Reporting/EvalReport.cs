using System.Globalization;
using System.Text;

namespace ReMiT.Training.Reporting;

/// <summary>
/// The report's evaluation sections beyond the greedy answer-level grid: which eval set the numbers
/// come from, the strict greedy grid, sampled pass@k per metric, and the step-count shift — per op and
/// model, the mean of (greedy steps − gold steps) from the per-problem records, i.e. what a stage did
/// to the length of the solutions it writes.
/// </summary>
internal static class EvalReport
{
    public static void Write(StringBuilder md, string runDir, IReadOnlyList<ResultRow> rows, Action<string> warn)
    {
        WriteEvalSplit(md, runDir, warn);
        WriteStrictGrid(md, rows);
        WriteSampled(md, rows);
        WriteStepShift(md, runDir, rows, warn);
    }

    private static void WriteEvalSplit(StringBuilder md, string runDir, Action<string> warn)
    {
        try
        {
            string? split = ResultsFile.Read(ResultsFile.PathFor(runDir)).EvalSplit;
            if (split is not null)
                md.Append($"Eval set: **{split}**" + (split == "dev" ? " (the tuning set: not for reported numbers)" : "") + ".\n\n");
        }
        catch (InvalidDataException e)
        {
            warn(e.Message);
        }
    }

    private static void WriteStrictGrid(StringBuilder md, IReadOnlyList<ResultRow> rows)
    {
        var pivot = new ResultsPivot(rows, metric: EvalMetrics.GreedyStrict);
        if (pivot.IsEmpty) return;
        md.Append("Greedy pass@1, strict level (answer right and process reward 1: the solution's dependency graph matches the gold one).\n\n");
        var (header, body) = RunReport.ResultsGrid(pivot);
        md.Append(TextTable.Markdown(header, body)).Append('\n');
    }

    /// <summary>
    /// Per metric and task/split (the named splits when there are any, else every op): rows = model,
    /// columns = k, then the guess baseline.
    /// </summary>
    private static void WriteSampled(StringBuilder md, IReadOnlyList<ResultRow> rows)
    {
        bool named = rows.Any(r => !IsOpSplit(r.Split));
        foreach (string metric in new[] { EvalMetrics.SampledAnswer, EvalMetrics.SampledStrict })
        {
            foreach (var group in rows.Where(r => r.Metric == metric && (!named || !IsOpSplit(r.Split)))
                         .GroupBy(r => (r.Task, r.Split)).OrderBy(g => g.Key.Split, SplitOrder.Instance))
            {
                var ks = group.Select(r => r.K).Distinct().Order().ToList();
                md.Append($"{metric} pass@k — {group.Key.Task}/{group.Key.Split} (n={group.First().N})\n\n");
                var header = new List<string> { "model" };
                header.AddRange(ks.Select(k => $"k={k}"));
                header.Add("guess baseline");
                var body = group.GroupBy(r => r.Model).Select(m => (IReadOnlyList<string>)
                    [m.Key, .. ks.Select(k => ResultsPivot.Format(m.FirstOrDefault(r => r.K == k)?.PassAtK)),
                     ResultsPivot.Format(m.Select(r => r.Baseline).FirstOrDefault(b => b is not null))]);
                md.Append(TextTable.Markdown(header, body)).Append('\n');
            }
        }
    }

    private static bool IsOpSplit(string split) => SplitOrder.Split(split) is ("op" or "people", not null);

    private static void WriteStepShift(StringBuilder md, string runDir, IReadOnlyList<ResultRow> rows, Action<string> warn)
    {
        IReadOnlyList<(string Model, IReadOnlyList<EvalRecord> Records)> all;
        try { all = EvalRecordsFile.ReadAll(runDir); }
        catch (InvalidDataException e) { warn(e.Message); return; }
        // Models in the results' order (the run's stage order), then any others by name.
        var order = rows.Select(r => r.Model).Distinct().ToList();
        var shifts = StepShift.Of(all.OrderBy(m => order.IndexOf(m.Model) is var i && i >= 0 ? i : int.MaxValue));
        if (shifts.Count == 0) return;
        var ops = shifts.Select(s => s.Op).Distinct().Order().ToList();
        md.Append("## Solution length: step-count shift\n\n");
        md.Append("Mean over problems of (steps in the greedy solution − steps in the gold solution), per op; " +
                  "0 = the model writes as many steps as the problem needs. A shift between the pre-decay base and a " +
                  "mid-trained model on the pre-training ops is what mid-training did to that range.\n\n");
        var header = new List<string> { "model" };
        header.AddRange(ops.Select(op => $"op{op}"));
        var body = shifts.GroupBy(s => s.Model).Select(m => (IReadOnlyList<string>)
            [m.Key, .. ops.Select(op => m.FirstOrDefault(s => s.Op == op) is { } s
                ? s.MeanShift.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) : "–")]);
        md.Append(TextTable.Markdown(header, body)).Append('\n');
    }
}
