namespace ReMiT.Training.Experiments;

/// <summary>The per-problem metrics of an eval file, written snake_case in specs and experiment.json.</summary>
public enum EvalMetric
{
    /// <summary>Greedy decoding, final answer right: 0 or 1 per problem.</summary>
    GreedyAnswer,
    /// <summary>Greedy decoding, answer right and process reward 1: 0 or 1 per problem.</summary>
    GreedyStrict,
    /// <summary>Unbiased pass@k over the sampled completions, final answer right.</summary>
    SampledAnswer,
    /// <summary>Unbiased pass@k over the sampled completions, answer right and process reward 1.</summary>
    SampledStrict,
}

/// <summary>Names of <see cref="EvalMetric"/> as they appear in files.</summary>
public static class EvalMetricNames
{
    public static string Name(this EvalMetric metric) => metric switch
    {
        EvalMetric.GreedyAnswer => "greedy_answer",
        EvalMetric.GreedyStrict => "greedy_strict",
        EvalMetric.SampledAnswer => "sampled_answer",
        EvalMetric.SampledStrict => "sampled_strict",
        _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown metric"),
    };

    public static EvalMetric Parse(string name) => name switch
    {
        "greedy_answer" => EvalMetric.GreedyAnswer,
        "greedy_strict" => EvalMetric.GreedyStrict,
        "sampled_answer" => EvalMetric.SampledAnswer,
        "sampled_strict" => EvalMetric.SampledStrict,
        _ => throw new ArgumentException($"metric '{name}' is unknown; use greedy_answer, greedy_strict, sampled_answer or sampled_strict", nameof(name)),
    };

    public static bool IsGreedy(this EvalMetric metric) => metric is EvalMetric.GreedyAnswer or EvalMetric.GreedyStrict;
}
