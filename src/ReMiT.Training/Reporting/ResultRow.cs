using System.Text.Json.Serialization;

namespace ReMiT.Training.Reporting;

/// <summary>
/// One evaluation result: pass@k of a model on a task split under one metric (<see cref="EvalMetrics"/>),
/// a mean over n problems.
/// </summary>
/// <param name="Model">"base", "uniform", "remit", "uniform+rl", "remit+rl", …</param>
/// <param name="Task">"gsm" or "kk".</param>
/// <param name="Split">"id", "edge", "hard", "op3", "people4", …</param>
/// <param name="Baseline">Accuracy on these problems of the guessing baseline (the most common gold answer per op and mode, fit on the dev set), when known.</param>
/// <param name="Metric">greedy_answer, greedy_strict, sampled_answer or sampled_strict.</param>
public sealed record ResultRow(string Model, string Task, string Split, int K, double PassAtK, int N, double? Baseline = null,
                               string Metric = EvalMetrics.GreedyAnswer)
{
    /// <summary>Rows with the same key replace each other when merged.</summary>
    [JsonIgnore]
    public (string Model, string Task, string Split, string Metric, int K) Key => (Model, Task, Split, Metric, K);

    /// <summary>Throws naming the row and field when a value cannot be a result.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Model) || string.IsNullOrWhiteSpace(Task) || string.IsNullOrWhiteSpace(Split))
            throw new ArgumentException($"result row {this}: model, task and split must be non-empty");
        if (!EvalMetrics.All.Contains(Metric))
            throw new ArgumentException($"result row {Model}/{Task}/{Split}: metric '{Metric}' is not one of {string.Join(", ", EvalMetrics.All)}");
        if (K < 1)
            throw new ArgumentOutOfRangeException(nameof(K), K, $"result row {Model}/{Task}/{Split}: k must be ≥ 1");
        if (!(PassAtK is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(PassAtK), PassAtK, $"result row {Model}/{Task}/{Split}/k={K}: pass_at_k must be in [0, 1]");
        if (N < 0)
            throw new ArgumentOutOfRangeException(nameof(N), N, $"result row {Model}/{Task}/{Split}/k={K}: n must be ≥ 0");
        if (Baseline is { } b && !(b is >= 0 and <= 1))
            throw new ArgumentOutOfRangeException(nameof(Baseline), b, $"result row {Model}/{Task}/{Split}/k={K}: baseline must be in [0, 1]");
    }
}
