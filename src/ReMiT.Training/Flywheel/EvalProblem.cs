using ReMiT.Training.Data;

namespace ReMiT.Training.Flywheel;

/// <summary>One eval problem with everything its per-problem record carries besides the model's results.</summary>
/// <param name="Id">Its <see cref="ReMiT.Tasks.ProblemId"/>.</param>
/// <param name="Split">"id", "edge" or "hard" (the first of the eval section's ranges holding its op or people count), else "other".</param>
/// <param name="EvalSplit">"dev" or "test": which of the two disjoint eval sets it belongs to.</param>
/// <param name="Mode">GSM mode ("forward", "reverse"); "" for K&amp;K.</param>
/// <param name="Template">GSM template key ("zoo", …); "" for K&amp;K.</param>
/// <param name="BaselineAnswer">The guess baseline's answer: the most common gold answer of its (difficulty, mode) on the dev set.</param>
public sealed record EvalProblem(EvalItem Item, string Id, string Split, string EvalSplit, string Mode, string Template, string BaselineAnswer);
