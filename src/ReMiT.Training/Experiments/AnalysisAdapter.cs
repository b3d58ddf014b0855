using System.Text.Json.Nodes;

namespace ReMiT.Training.Experiments;

/// <summary>
/// The one seam between experiments and their statistics: the runner and <c>remit experiment report</c>
/// call <see cref="Run"/> with the arms' eval files and the spec's comparisons. THE LEAD REWIRES THIS
/// FILE AT MERGE to the statistics library (ExperimentAnalysis.Run: paired bootstrap CIs, p-values,
/// Holm, report.md). Until then it writes experiment.json with the arms and the comparisons as asked,
/// every number null and "statistics": "not computed", so nobody mistakes it for a result.
/// </summary>
public static class AnalysisAdapter
{
    public static void Run(string directory, ExperimentSpec spec, IReadOnlyList<ArmEvalFiles> arms, bool dryRun, TextWriter log)
    {
        var doc = new JsonObject
        {
            ["name"] = spec.Name,
            ["dry_run"] = dryRun,
            ["statistics"] = "not computed (the analysis library is not wired in yet)",
            ["arms"] = new JsonArray(arms.Select(a => (JsonNode)new JsonObject
            {
                ["name"] = a.Name,
                ["seeds"] = new JsonArray(a.Seeds.Select(s => (JsonNode)new JsonObject { ["seed"] = s.Seed, ["eval"] = s.Eval }).ToArray()),
            }).ToArray()),
            ["comparisons"] = new JsonArray(spec.Comparisons.Select(c => (JsonNode)new JsonObject
            {
                ["a"] = c.A, ["b"] = c.B, ["metric"] = c.Metric, ["split"] = c.Split, ["k"] = c.K,
                ["diff"] = null, ["ci_low"] = null, ["ci_high"] = null, ["p_value"] = null, ["p_holm"] = null,
                ["n_problems"] = null, ["n_seeds"] = arms.FirstOrDefault(a => a.Name == c.A)?.Seeds.Count ?? 0, ["primary"] = c.Primary,
            }).ToArray()),
        };
        string path = Path.Combine(directory, "experiment.json");
        File.WriteAllText(path, doc.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }));
        log.WriteLine($"experiment {spec.Name}: wrote {path} (arms and comparisons; statistics not computed in this build)");
    }
}
