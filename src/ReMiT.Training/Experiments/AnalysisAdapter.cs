using ReMiT.Training.Flywheel;

namespace ReMiT.Training.Experiments;

/// <summary>
/// The one seam between an experiment's runs and its statistics: turns the spec's comparisons into
/// <see cref="ComparisonRequest"/>s and calls <see cref="ExperimentAnalysis.Run"/> (paired bootstrap CIs,
/// sign-flip p-values, Holm, the minimum detectable effect, experiment.json and report.md).
/// </summary>
public static class AnalysisAdapter
{
    public static ExperimentFile Run(string directory, ExperimentSpec spec, IReadOnlyList<ArmRuns> arms, bool dryRun, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var requests = spec.Comparisons.Select(c => new ComparisonRequest(
            c.A, c.B, EvalMetricNames.Parse(c.Metric), c.Split,
            // A dry run draws only DryRun.EvalSamples samples per problem: its pass@k stops there.
            dryRun ? Math.Min(c.K, DryRun.EvalSamples) : c.K, c.Primary)).ToList();
        var file = ExperimentAnalysis.Run(directory, arms, requests, log);
        if (dryRun)
        {
            file = file with { DryRun = true };
            Reporting.AtomicFile.WriteAllText(Path.Combine(directory, ExperimentFile.FileName),
                System.Text.Json.JsonSerializer.Serialize(file, Reporting.RunJson.Indented) + "\n");
            string report = Path.Combine(directory, "report.md");
            if (File.Exists(report))
                File.WriteAllText(report, "> **DRY RUN**: every stage was capped to a few steps (`--dry-run`); the numbers below mean nothing.\n\n" + File.ReadAllText(report));
        }
        return file;
    }
}
