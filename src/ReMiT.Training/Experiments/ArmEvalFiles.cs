namespace ReMiT.Training.Experiments;

/// <summary>Where one arm's per-problem evaluations lie: for each seed, the eval file of the arm's model.</summary>
public sealed record ArmEvalFiles(string Name, IReadOnlyList<SeedEval> Seeds);

/// <param name="Eval">Path of the per-problem file (RUN/eval/&lt;model&gt;.jsonl), relative to the experiment directory.</param>
public sealed record SeedEval(int Seed, string Eval);
