using ReMiT.Tasks.Evaluation;

namespace ReMiT.Training.Reporting;

/// <summary>
/// results.json rows from one model's per-problem records, and nothing else: per difficulty
/// ("op3", "people4") and per split ("id", "edge", "hard"), each metric of <see cref="EvalMetrics"/> —
/// greedy at k = 1, sampled at k = 1, 2, 4, … ≤ n with the unbiased estimator — as a mean over the
/// problems, beside the guessing baseline's accuracy on the same problems.
/// </summary>
public static class EvalRows
{
    /// <summary>The sampled k values for n samples per problem: 1, 2, 4, … ≤ n.</summary>
    public static IReadOnlyList<int> Ks(int samples) =>
        Enumerable.Range(0, 31).Select(i => 1 << i).TakeWhile(k => k <= samples).ToArray();

    public static IReadOnlyList<ResultRow> From(string model, IReadOnlyList<EvalRecord> records)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0) return [];
        var samples = records.Select(r => r.NSamples).Distinct().ToArray();
        if (samples.Length != 1)
            throw new InvalidDataException($"eval records of {model}: every problem needs the same n_samples, found {string.Join(", ", samples)}");
        var ks = Ks(samples[0]);
        var rows = new List<ResultRow>();
        foreach (var task in records.GroupBy(r => r.Task))
        {
            foreach (var difficulty in task.GroupBy(r => r.Difficulty).OrderBy(g => g.Key))
                rows.AddRange(Rows(model, task.Key, (task.Key == "kk" ? "people" : "op") + difficulty.Key, difficulty.ToArray(), ks));
            foreach (var split in task.Where(r => r.Split != "other").GroupBy(r => r.Split).OrderBy(g => g.Key, SplitOrder.Instance))
                rows.AddRange(Rows(model, task.Key, split.Key, split.ToArray(), ks));
        }
        return rows;
    }

    private static IEnumerable<ResultRow> Rows(string model, string task, string split, EvalRecord[] group, IReadOnlyList<int> ks)
    {
        int n = group.Length;
        double baseline = group.Average(r => r.BaselineCorrect ? 1.0 : 0.0);
        ResultRow Row(string metric, int k, double value) => new(model, task, split, k, value, n, baseline, metric);
        yield return Row(EvalMetrics.GreedyAnswer, 1, group.Average(r => r.GreedyAnswer ? 1.0 : 0.0));
        yield return Row(EvalMetrics.GreedyStrict, 1, group.Average(r => r.GreedyStrict ? 1.0 : 0.0));
        if (group[0].NSamples == 0) yield break;
        foreach (int k in ks)
            yield return Row(EvalMetrics.SampledAnswer, k, group.Average(r => PassAtK.Estimate(r.NSamples, r.NAnswer, k)));
        foreach (int k in ks)
            yield return Row(EvalMetrics.SampledStrict, k, group.Average(r => PassAtK.Estimate(r.NSamples, r.NStrict, k)));
    }
}
