using System.Text.Json;
using System.Text.Json.Nodes;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;

namespace ReMiT.Training.Experiments;

/// <summary>
/// <c>remit experiment run --reuse-from OTHER</c>: before a seed starts, copies into its run directory the
/// training stages another experiment's same seed already finished — e.g. the pre-training two specs on
/// the same preset share — so one pre-training serves both. A stage is copied only when it is the same
/// stage (name, kind, from, to, weighting, guide, overrides), its inputs were copied too, and its effective
/// config is equal except for keys that cannot change what it trains (<see cref="Fingerprint"/>).
/// Evaluations always run again. The copy is recorded in <c>reused.json</c> of the seed's run directory.
/// </summary>
public static class StageReuse
{
    public const string RecordFile = "reused.json";

    /// <summary>Copies the reusable stages of <paramref name="sourceRun"/> into <paramref name="run"/> (not yet prepared); returns their names.</summary>
    /// <exception cref="InvalidDataException">The source run's config.json or plan.json is unreadable.</exception>
    public static IReadOnlyList<string> Copy(string sourceRun, string run, FlywheelConfig config, IReadOnlyList<PlannedStage> plan, TextWriter log)
    {
        string sourceConfigPath = Path.Combine(sourceRun, "config.json");
        if (!File.Exists(sourceConfigPath))
        {
            log.WriteLine($"reuse: {sourceRun} has no config.json; nothing reused");
            return [];
        }
        var sourceConfig = ConfigLoader.Load(sourceConfigPath);
        var sourcePlan = PlanFile.Read(sourceRun) ?? FlywheelPlan.Build(sourceConfig);
        var reused = Reusable(sourceRun, sourceConfig, sourcePlan, config, plan, log);
        if (reused.Count == 0) return [];

        Directory.CreateDirectory(run);
        CopyDirectory(Path.Combine(sourceRun, "tokenizer"), Path.Combine(run, "tokenizer"));
        var names = new HashSet<string>(reused.Select(s => s.Name), StringComparer.Ordinal);
        foreach (var stage in reused)
        {
            CopyDirectory(Path.Combine(sourceRun, "models", stage.To), Path.Combine(run, "models", stage.To));
            string summary = StageSummary.PathFor(run, stage.Name);
            Directory.CreateDirectory(Path.GetDirectoryName(summary)!);
            File.Copy(StageSummary.PathFor(sourceRun, stage.Name), summary, overwrite: true);
        }
        CopyMetrics(Path.Combine(sourceRun, "metrics.jsonl"), Path.Combine(run, "metrics.jsonl"), names);
        File.WriteAllText(Path.Combine(run, RecordFile), new JsonObject
        {
            ["source"] = Path.GetFullPath(sourceRun),
            ["stages"] = new JsonArray(reused.Select(s => (JsonNode)s.Name).ToArray()),
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        log.WriteLine($"reuse: copied {string.Join(", ", names)} from {sourceRun}");
        return reused.Select(s => s.Name).ToList();
    }

    /// <summary>The training stages of <paramref name="plan"/> that <paramref name="sourceRun"/> finished with the same inputs and config, in plan order.</summary>
    internal static IReadOnlyList<PlannedStage> Reusable(string sourceRun, FlywheelConfig sourceConfig, IReadOnlyList<PlannedStage> sourcePlan,
                                                       FlywheelConfig config, IReadOnlyList<PlannedStage> plan, TextWriter log)
    {
        var copied = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<PlannedStage>();
        foreach (var stage in plan.Where(s => s.Kind != PlannedKind.Eval))
        {
            var source = sourcePlan.FirstOrDefault(s => s.Name == stage.Name);
            string? why = source is null ? "not in its plan"
                : !SameStage(source, stage) ? "planned differently"
                : !StageRunner.IsDone(sourceRun, stage.Name) ? "not finished there"
                : (stage.From.Length > 0 && !copied.Contains(stage.From)) || (stage.Guide is { } g && !copied.Contains(g)) ? "an input model is not reused"
                : Fingerprint(ForStage(sourceConfig, source), stage.Kind) != Fingerprint(ForStage(config, stage), stage.Kind) ? "its config differs"
                : null;
            if (why is not null)
            {
                log.WriteLine($"reuse: {stage.Name} runs here ({why})");
                continue;
            }
            copied.Add(stage.To);
            result.Add(stage);
        }
        return result;
    }

    /// <summary>
    /// A stage's config as JSON without what cannot change its model: the run's name, evaluation sampling
    /// (samples, temperature, new tokens — the eval problems themselves stay, as they are held out of the
    /// corpora), and for stages other than RL the RL section.
    /// </summary>
    internal static string Fingerprint(FlywheelConfig config, PlannedKind kind)
    {
        var tree = JsonNode.Parse(ConfigLoader.ToJson(config))!.AsObject();
        tree.Remove("name");
        if (tree["eval"] is JsonObject eval)
            foreach (string key in new[] { "samples", "temperature", "max_new_tokens" }) eval.Remove(key);
        if (kind != PlannedKind.Rl) tree.Remove("rl");
        return tree.ToJsonString();
    }

    private static FlywheelConfig ForStage(FlywheelConfig config, PlannedStage stage) =>
        stage.Overrides is { Count: > 0 } overrides ? RunContext.StageConfig(config, stage.Name, overrides) : config;

    private static bool SameStage(PlannedStage a, PlannedStage b) =>
        a.Kind == b.Kind && a.From == b.From && a.To == b.To && a.Weighting == b.Weighting && a.Guide == b.Guide
        && (a.Overrides ?? []).SequenceEqual(b.Overrides ?? []);

    private static void CopyMetrics(string source, string target, IReadOnlySet<string> stages)
    {
        if (!File.Exists(source)) return;
        var lines = File.ReadLines(source).Where(line =>
        {
            try { return JsonNode.Parse(line)?["stage"]?.GetValue<string>() is { } s && stages.Contains(s); }
            catch (JsonException) { return false; } // a torn last line of an interrupted source run
        }).ToList();
        File.AppendAllLines(target, lines);
    }

    private static void CopyDirectory(string source, string target)
    {
        if (!Directory.Exists(source)) throw new DirectoryNotFoundException($"reuse: {source} is missing although its stage is marked done; run that stage here instead (drop --reuse-from).");
        foreach (string dir in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(Path.Combine(target, Path.GetRelativePath(source, dir)));
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(target, Path.GetRelativePath(source, file)), overwrite: true);
    }
}
