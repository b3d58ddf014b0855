namespace ReMiT.Training.Experiments;

/// <summary>
/// One line of a per-problem eval file (<c>RUN/eval/&lt;model&gt;.jsonl</c>, written by the evaluator): what the
/// statistics need of it. Fields the statistics do not use (op, people, mode, template, …) are not kept.
/// </summary>
/// <param name="ProblemId">Canonical hash of the problem text; pairs the same problem across models and seeds.</param>
/// <param name="Split">"id", "edge" or "hard".</param>
/// <param name="NSamples">Sampled completions drawn for the problem (0 when only greedy decoding ran).</param>
/// <param name="NAnswer">Sampled completions with the final answer right.</param>
/// <param name="NStrict">Sampled completions with the answer right and process reward 1.</param>
internal sealed record ProblemRecord(
    string ProblemId,
    string Task,
    string Split,
    bool GreedyAnswer,
    bool GreedyStrict,
    int NSamples,
    int NAnswer,
    int NStrict);
