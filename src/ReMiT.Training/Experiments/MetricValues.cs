using ReMiT.Tasks.Evaluation;
using ReMiT.Training.Reporting;

namespace ReMiT.Training.Experiments;

/// <summary>Turns per-problem records into one number per problem for a metric, a split and k.</summary>
internal static class MetricValues
{
    /// <summary>The splits a comparison may select; "all" keeps every problem.</summary>
    public static readonly string[] Splits = ["id", "edge", "hard", "all"];

    /// <summary>
    /// Value per problem id: 0/1 for a greedy metric (k must be 1), the unbiased pass@k from
    /// (n_samples, n_answer | n_strict) for a sampled one.
    /// </summary>
    /// <param name="source">Names the file in errors.</param>
    public static Dictionary<string, double> Of(IReadOnlyList<EvalRecord> records, EvalMetric metric, string split, int k, string source)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (!Splits.Contains(split))
            throw new ArgumentException($"split '{split}' is unknown; use {string.Join(", ", Splits)}", nameof(split));
        if (metric.IsGreedy() && k != 1)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"{metric.Name()} is one greedy completion per problem, so only k = 1 is defined; use sampled_{(metric == EvalMetric.GreedyAnswer ? "answer" : "strict")} for pass@{k}");
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "k must be at least 1");

        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            if (split != "all" && r.Split != split) continue;
            values[r.ProblemId] = metric switch
            {
                EvalMetric.GreedyAnswer => r.GreedyAnswer ? 1 : 0,
                EvalMetric.GreedyStrict => r.GreedyStrict ? 1 : 0,
                EvalMetric.SampledAnswer => Sampled(r, r.NAnswer, k, source),
                EvalMetric.SampledStrict => Sampled(r, r.NStrict, k, source),
                _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown metric"),
            };
        }
        return values;
    }

    private static double Sampled(EvalRecord r, int correct, int k, string source)
    {
        if (k > r.NSamples)
            throw new InvalidDataException($"{source}: problem {r.ProblemId} has n_samples={r.NSamples}, too few for pass@{k}; evaluate with at least {k} samples per problem or ask for a smaller k");
        return PassAtK.Estimate(r.NSamples, correct, k);
    }
}
