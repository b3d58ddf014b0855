using System.Text.Json;
using System.Text.Json.Nodes;
using ReMiT.Training.Flywheel;

namespace ReMiT.Training.Experiments;

/// <summary>
/// Reads and validates an experiment spec (JSON with comments, like the presets). Every problem is
/// listed at once, each with its JSON path: unknown keys, missing or mistyped values, stage overrides
/// that do not apply, a stage reading a model no earlier stage writes, an arm naming an unknown model,
/// a comparison naming an unknown arm, a bad metric, split or k, and not exactly one primary comparison.
/// </summary>
public static class ExperimentSpecLoader
{
    public static readonly IReadOnlyList<string> Metrics = ["greedy_answer", "greedy_strict", "sampled_answer", "sampled_strict"];
    public static readonly IReadOnlyList<string> Splits = ["id", "edge", "hard", "all"];
    private static readonly Dictionary<string, PlannedKind> Kinds = new(StringComparer.Ordinal)
    {
        ["pretrain"] = PlannedKind.Pretrain, ["mid_train"] = PlannedKind.MidTrain, ["rl"] = PlannedKind.Rl, ["sft"] = PlannedKind.Sft,
    };
    private static readonly string[] Weightings = ["uniform", "remit", "rho1", "kd"];

    /// <summary>Loads <paramref name="path"/>; <paramref name="resolvePreset"/> turns a preset name into a config file path.</summary>
    /// <param name="presetOverride">Replaces the spec's preset (the CLI's --preset); null keeps it.</param>
    /// <returns>The spec and its run-wide config (preset + overrides), before any seed is applied.</returns>
    /// <exception cref="InvalidDataException">The spec is invalid; the message lists every problem by JSON path.</exception>
    public static (ExperimentSpec Spec, FlywheelConfig Config) Load(string path, Func<string, string> resolvePreset, string? presetOverride = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Experiment spec '{path}' does not exist.", path);
        return Parse(File.ReadAllText(path), path, resolvePreset, presetOverride);
    }

    public static (ExperimentSpec Spec, FlywheelConfig Config) Parse(string json, string source, Func<string, string> resolvePreset, string? presetOverride = null)
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON: {e.Message}", e); }
        var errors = new List<string>();
        if (root is not JsonObject top) throw new InvalidDataException($"{source}: expected a JSON object at $.");
        var reader = new NodeReader(errors);
        reader.Keys(top, "$", ["name", "description", "preset", "overrides", "seeds", "seed_varies", "stages", "arms", "comparisons"]);
        string name = reader.String(top, "$", "name", required: true);
        string description = reader.String(top, "$", "description");
        string preset = presetOverride ?? reader.String(top, "$", "preset", required: true);
        var overrides = reader.Strings(top, "$", "overrides");
        int seeds = reader.Int(top, "$", "seeds") ?? 3;
        if (seeds < 1) errors.Add($"$.seeds: must be >= 1, got {seeds}.");
        var seedVaries = top.ContainsKey("seed_varies") ? reader.Strings(top, "$", "seed_varies") : ["seed"];

        FlywheelConfig? config = BaseConfig(preset, overrides, resolvePreset, errors);
        if (config is not null)
            foreach (var (key, i) in seedVaries.Select((k, i) => (k, i)))
                if (!AppliesAsInteger(config, key)) errors.Add($"$.seed_varies[{i}]: '{key}' is not an integer config key (e.g. seed).");

        var stages = new List<SpecStage>();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (node, path) in reader.Objects(top, "$", "stages", required: true))
        {
            reader.Keys(node, path, ["name", "kind", "from", "to", "weighting", "guide", "overrides"]);
            string stageName = reader.String(node, path, "name", required: true), kindName = reader.String(node, path, "kind", required: true);
            string from = reader.String(node, path, "from"), to = reader.String(node, path, "to", required: true), weighting = reader.String(node, path, "weighting");
            string? guide = node.ContainsKey("guide") ? reader.String(node, path, "guide") : null;
            var stageOverrides = reader.Strings(node, path, "overrides");
            if (!Kinds.TryGetValue(kindName, out var kind))
            {
                if (kindName.Length > 0) errors.Add($"{path}.kind: unknown '{kindName}'; expected {string.Join(", ", Kinds.Keys)} (evaluations are added for every arm's model).");
                continue;
            }
            if (stages.Any(s => s.Name == stageName)) errors.Add($"{path}.name: '{stageName}' names two stages.");
            if (to.Length > 0 && !written.Add(to)) errors.Add($"{path}.to: model '{to}' is written by two stages.");
            if (kind == PlannedKind.Pretrain && from.Length > 0) errors.Add($"{path}.from: a pretrain stage starts from scratch; remove 'from'.");
            if (kind != PlannedKind.Pretrain && from.Length == 0) errors.Add($"{path}.from: a {kindName} stage needs the model it starts from.");
            if (from.Length > 0 && !stages.Any(s => s.To == from)) errors.Add($"{path}.from: model '{from}' is not written by an earlier stage.");
            if (guide is not null && !stages.Any(s => s.To == guide)) errors.Add($"{path}.guide: model '{guide}' is not written by an earlier stage.");
            if (kind == PlannedKind.MidTrain)
            {
                if (!Weightings.Contains(weighting)) errors.Add($"{path}.weighting: '{weighting}'; expected {string.Join(", ", Weightings)}.");
                else if (weighting != "uniform" && guide is null) errors.Add($"{path}.guide: weighting '{weighting}' needs a guide model.");
            }
            else if (weighting.Length > 0 || guide is not null) errors.Add($"{path}: weighting and guide belong to mid_train stages only.");
            if (config is not null && stageOverrides.Count > 0)
            {
                try { RunContext.StageConfig(config, stageName, stageOverrides); }
                catch (InvalidDataException e) { errors.Add($"{path}.overrides: {e.Message}"); }
            }
            stages.Add(new SpecStage(stageName, kind, from, to, weighting, guide, stageOverrides));
        }

        var arms = new List<SpecArm>();
        foreach (var (node, path) in reader.Objects(top, "$", "arms", required: true))
        {
            reader.Keys(node, path, ["name", "model", "description"]);
            string armName = reader.String(node, path, "name", required: true), model = reader.String(node, path, "model", required: true);
            if (arms.Any(a => a.Name == armName)) errors.Add($"{path}.name: '{armName}' names two arms.");
            if (model.Length > 0 && !written.Contains(model))
                errors.Add($"{path}.model: unknown model '{model}'; stages write {(written.Count == 0 ? "none" : string.Join(", ", written))}.");
            arms.Add(new SpecArm(armName, model, reader.String(node, path, "description")));
        }

        var comparisons = new List<SpecComparison>();
        foreach (var (node, path) in reader.Objects(top, "$", "comparisons", required: true))
        {
            reader.Keys(node, path, ["a", "b", "metric", "split", "k", "primary"]);
            string a = reader.String(node, path, "a", required: true), b = reader.String(node, path, "b", required: true);
            string metric = reader.String(node, path, "metric", required: true), split = reader.String(node, path, "split", required: true);
            int k = reader.Int(node, path, "k") ?? 1;
            bool primary = reader.Bool(node, path, "primary") ?? false;
            foreach (var (key, arm) in new[] { ("a", a), ("b", b) })
                if (arm.Length > 0 && !arms.Any(x => x.Name == arm)) errors.Add($"{path}.{key}: unknown arm '{arm}'; arms are {string.Join(", ", arms.Select(x => x.Name))}.");
            if (a.Length > 0 && a == b) errors.Add($"{path}: compares arm '{a}' with itself.");
            if (metric.Length > 0 && !Metrics.Contains(metric)) errors.Add($"{path}.metric: unknown '{metric}'; expected {string.Join(", ", Metrics)}.");
            if (split.Length > 0 && !Splits.Contains(split)) errors.Add($"{path}.split: unknown '{split}'; expected {string.Join(", ", Splits)}.");
            if (metric.StartsWith("greedy_", StringComparison.Ordinal) && k != 1) errors.Add($"{path}.k: greedy metrics are pass@1; got k = {k}.");
            else if (k < 1) errors.Add($"{path}.k: must be >= 1, got {k}.");
            else if (config is not null && k > config.Eval.Samples) errors.Add($"{path}.k: {k} exceeds eval.samples ({config.Eval.Samples}); raise eval.samples in the overrides.");
            comparisons.Add(new SpecComparison(a, b, metric, split, k, primary));
        }
        int primaries = comparisons.Count(c => c.Primary);
        if (primaries != 1) errors.Add($"$.comparisons: exactly one must be \"primary\": true, found {primaries}.");

        if (errors.Count > 0) throw new InvalidDataException($"{source}: invalid experiment spec:\n  " + string.Join("\n  ", errors));
        return (new ExperimentSpec(name, description, preset, overrides, seeds, seedVaries, stages, arms, comparisons), config!);
    }

    /// <summary>The config of seed <paramref name="seed"/>: every seed_varies key set to it.</summary>
    public static FlywheelConfig ForSeed(FlywheelConfig config, ExperimentSpec spec, int seed)
    {
        var tree = JsonNode.Parse(ConfigLoader.ToJson(config))!;
        foreach (string key in spec.SeedVaries) ConfigLoader.Apply(tree, $"{key}={seed}");
        return ConfigLoader.Parse(tree, $"{spec.Name} seed {seed}");
    }

    private static FlywheelConfig? BaseConfig(string preset, IReadOnlyList<string> overrides, Func<string, string> resolvePreset, List<string> errors)
    {
        if (preset.Length == 0) return null;
        try { return ConfigLoader.Load(resolvePreset(preset), overrides); }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or FileNotFoundException)
        {
            errors.Add($"$.preset/$.overrides: {e.Message}");
            return null;
        }
    }

    private static bool AppliesAsInteger(FlywheelConfig config, string key)
    {
        try
        {
            var tree = JsonNode.Parse(ConfigLoader.ToJson(config))!;
            if (!Exists(tree, key)) return false;
            ConfigLoader.Apply(tree, $"{key}=7");
            return ConfigLoader.Parse(tree, key) is not null;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException) { return false; }
    }

    private static bool Exists(JsonNode tree, string key)
    {
        JsonNode? node = tree;
        foreach (string part in key.Split('.'))
            if (node is not JsonObject o || !o.TryGetPropertyValue(part, out node)) return false;
        return node is JsonValue v && v.TryGetValue<long>(out _);
    }
}
