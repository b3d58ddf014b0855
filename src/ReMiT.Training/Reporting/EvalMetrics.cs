namespace ReMiT.Training.Reporting;

/// <summary>The <see cref="ResultRow.Metric"/> values: decoding (greedy, sampled) × correctness level (answer, strict).</summary>
public static class EvalMetrics
{
    /// <summary>Greedy completion, final answer right (k = 1 only).</summary>
    public const string GreedyAnswer = "greedy_answer";
    /// <summary>Greedy completion, answer right and process reward 1 (k = 1 only).</summary>
    public const string GreedyStrict = "greedy_strict";
    /// <summary>Unbiased pass@k over the samples, final answer right.</summary>
    public const string SampledAnswer = "sampled_answer";
    /// <summary>Unbiased pass@k over the samples, strict-correct.</summary>
    public const string SampledStrict = "sampled_strict";

    public static IReadOnlyList<string> All { get; } = [GreedyAnswer, GreedyStrict, SampledAnswer, SampledStrict];
}
