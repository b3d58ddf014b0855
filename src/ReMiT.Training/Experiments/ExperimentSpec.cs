using ReMiT.Training.Flywheel;

namespace ReMiT.Training.Experiments;

/// <summary>
/// An experiment as data (a JSON file in <c>experiments/</c>, read by <see cref="ExperimentSpecLoader"/>):
/// a base preset and run-wide overrides, named stages shared by every arm that needs them (one
/// pre-training per seed, not per arm), the arms (each names the model whose evaluation counts), what a
/// seed varies, and the comparisons between arms, exactly one of them primary.
/// </summary>
/// <param name="Preset">Base preset name or path (the CLI's --preset replaces it).</param>
/// <param name="Overrides">Run-wide "path=value" overrides, as <c>--set</c>.</param>
/// <param name="Seeds">Seeds run by default (the CLI's --seeds replaces it).</param>
/// <param name="SeedVaries">Integer config keys that seed s sets to s (default: "seed", the run seed: data order, init, sampling).</param>
public sealed record ExperimentSpec(
    string Name, string Description, string Preset, IReadOnlyList<string> Overrides, int Seeds, IReadOnlyList<string> SeedVaries,
    IReadOnlyList<SpecStage> Stages, IReadOnlyList<SpecArm> Arms, IReadOnlyList<SpecComparison> Comparisons)
{
    /// <summary>The comparison marked primary (validation guarantees exactly one).</summary>
    public SpecComparison Primary => Comparisons.Single(c => c.Primary);
}

/// <summary>A stage of an experiment; <paramref name="Overrides"/> apply to this stage only.</summary>
public sealed record SpecStage(string Name, PlannedKind Kind, string From, string To, string Weighting, string? Guide, IReadOnlyList<string> Overrides);

/// <summary>An arm: the evaluation of <paramref name="Model"/> (a stage's output) is what counts for it.</summary>
public sealed record SpecArm(string Name, string Model, string Description);

/// <summary>
/// One paired comparison: arm <paramref name="A"/> − arm <paramref name="B"/> on the same problems.
/// </summary>
/// <param name="Metric">greedy_answer, greedy_strict, sampled_answer or sampled_strict.</param>
/// <param name="Split">id, edge, hard or all.</param>
/// <param name="K">pass@k (1 for the greedy metrics).</param>
public sealed record SpecComparison(string A, string B, string Metric, string Split, int K, bool Primary);
