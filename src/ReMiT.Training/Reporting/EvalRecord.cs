using System.Text.Json.Serialization;

namespace ReMiT.Training.Reporting;

/// <summary>
/// One line of <c>RUN/eval/&lt;model&gt;.jsonl</c>: how a model did on one eval problem. Results rows
/// are computed from these alone (<see cref="EvalRows.From"/>), and experiments pair models on them
/// by <see cref="ProblemId"/>.
/// </summary>
public sealed record EvalRecord
{
    /// <summary><see cref="ReMiT.Tasks.ProblemId.Of"/> of the problem's prompt.</summary>
    public required string ProblemId { get; init; }
    /// <summary>"gsm" or "kk".</summary>
    public required string Task { get; init; }
    /// <summary>GSM: operation count (absent for K&amp;K).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Op { get; init; }
    /// <summary>K&amp;K: people count (absent for GSM).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? People { get; init; }
    /// <summary>"id", "edge", "hard" (or "other" when no eval range holds the difficulty).</summary>
    public required string Split { get; init; }
    /// <summary>"dev" or "test": the eval set the problem belongs to.</summary>
    public required string EvalSplit { get; init; }
    /// <summary>GSM mode ("forward", "reverse"); "" for K&amp;K.</summary>
    public string Mode { get; init; } = "";
    /// <summary>GSM template key; "" for K&amp;K.</summary>
    public string Template { get; init; } = "";
    /// <summary>Greedy completion's final answer right (K&amp;K: the right assignment).</summary>
    public bool GreedyAnswer { get; init; }
    /// <summary>Greedy answer right and process reward 1 (K&amp;K: equal to <see cref="GreedyAnswer"/>).</summary>
    public bool GreedyStrict { get; init; }
    /// <summary>Sampled completions (n of the unbiased pass@k estimator).</summary>
    public int NSamples { get; init; }
    /// <summary>Sampled completions with the answer right.</summary>
    public int NAnswer { get; init; }
    /// <summary>Sampled completions strict-correct.</summary>
    public int NStrict { get; init; }
    /// <summary>GSM: steps parsed from the greedy completion ("Define … as X;"); absent for K&amp;K.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? GreedySteps { get; init; }
    /// <summary>GSM: steps of the gold solution; absent for K&amp;K.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? GoldSteps { get; init; }
    public string GoldAnswer { get; init; } = "";
    /// <summary>The guessing baseline's answer: the most common gold answer of the problem's (difficulty, mode) on the dev set.</summary>
    public string BaselineAnswer { get; init; } = "";
    /// <summary>Whether <see cref="BaselineAnswer"/> is this problem's gold answer.</summary>
    public bool BaselineCorrect { get; init; }

    /// <summary>The op (GSM) or people count (K&amp;K).</summary>
    [JsonIgnore]
    public int Difficulty => Op ?? People ?? 0;

    /// <summary>Throws naming the problem and field when the record cannot be a result.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ProblemId) || string.IsNullOrWhiteSpace(Task) || string.IsNullOrWhiteSpace(Split))
            throw new InvalidDataException($"eval record {ProblemId}: problem_id, task and split must be non-empty");
        if ((Op is null) == (People is null))
            throw new InvalidDataException($"eval record {ProblemId}: exactly one of op (gsm) and people (kk) expected");
        if (NSamples < 0 || NAnswer < 0 || NStrict < 0 || NAnswer > NSamples || NStrict > NAnswer)
            throw new InvalidDataException(
                $"eval record {ProblemId}: expected 0 ≤ n_strict ≤ n_answer ≤ n_samples, got {NStrict}, {NAnswer}, {NSamples}");
        if (GreedyStrict && !GreedyAnswer)
            throw new InvalidDataException($"eval record {ProblemId}: greedy_strict without greedy_answer");
    }
}
