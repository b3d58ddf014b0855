using System.Text.Json.Serialization;

namespace ReMiT.Training.Experiments;

// The records below are experiment.json's schema (snake_case through RunJson) and the inputs of ExperimentAnalysis.

/// <summary>One seed of an arm: the per-problem eval file of the arm's final model, relative to the experiment folder.</summary>
public sealed record SeedRun(int Seed, string Eval);

/// <summary>An arm of an experiment and the eval file of each seed it ran.</summary>
public sealed record ArmRuns(string Name, IReadOnlyList<SeedRun> Seeds);

/// <summary>A comparison a spec asks for: arm a − arm b on one metric, split and k; exactly one is primary.</summary>
public sealed record ComparisonRequest(string A, string B, EvalMetric Metric, string Split, int K = 1, bool Primary = false);

/// <summary>
/// One row of experiment.json's <c>comparisons</c>: the paired difference a − b (mean over seeds of the mean over the
/// same problems), its 95% hierarchical bootstrap CI, the sign-flip p-value and its Holm adjustment over the experiment.
/// </summary>
/// <param name="NProblems">Paired problems per seed (the smallest count when seeds differ).</param>
/// <param name="NSeeds">Seeds both arms ran.</param>
public sealed record ComparisonResult(
    string A, string B, EvalMetric Metric, string Split, int K,
    double Diff, double CiLow, double CiHigh, double PValue, double PHolm,
    int NProblems, int NSeeds, bool Primary)
{
    /// <summary>Mean squared per-problem difference (the discordant rate for 0/1 metrics); for the report only.</summary>
    [JsonIgnore] public double DisagreementRate { get; init; }

    /// <summary>Smallest effect detectable with 80% power at α = 0.05; for the report only.</summary>
    [JsonIgnore] public double MinimumDetectableEffect { get; init; }

    /// <summary>Paired problems over all seeds; for the report only.</summary>
    [JsonIgnore] public long Pairs { get; init; }
}

/// <summary>One arm's mean on one metric/split/k with its 95% bootstrap CI (report.md only).</summary>
internal sealed record ArmMean(string Arm, EvalMetric Metric, string Split, int K, double Mean, double CiLow, double CiHigh, int NSeeds);

/// <summary><c>DIR/experiment.json</c>.</summary>
public sealed record ExperimentFile(IReadOnlyList<ArmRuns> Arms, IReadOnlyList<ComparisonResult> Comparisons)
{
    public const string FileName = "experiment.json";

    /// <summary>Every stage was capped (<c>--dry-run</c>): the numbers mean nothing. Written only when true.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public bool DryRun { get; init; }
}
