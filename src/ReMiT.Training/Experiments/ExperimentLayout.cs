using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Training.Experiments;

/// <summary>
/// An experiment directory: spec.json (the spec as given), run.json (preset, seeds, dry run), one flywheel
/// run per seed in seed-&lt;s&gt;/, then experiment.json and report.md from the analysis.
/// </summary>
public static class ExperimentLayout
{
    public const string SpecFile = "spec.json", RunFile = "run.json";

    public static string SeedDirectory(string directory, int seed) => Path.Combine(directory, $"seed-{seed}");

    /// <summary>The arm's eval file for a seed, relative to the experiment directory (helper eval's RUN/eval/&lt;model&gt;.jsonl).</summary>
    public static string EvalFile(int seed, string model) => $"seed-{seed}/eval/{model}.jsonl";

    /// <summary>The eval files of every arm over the seeds whose run directory exists.</summary>
    public static IReadOnlyList<ArmRuns> Arms(string directory, ExperimentSpec spec, int seeds) =>
        spec.Arms.Select(a => new ArmRuns(a.Name, Enumerable.Range(1, seeds)
            .Where(s => Directory.Exists(SeedDirectory(directory, s)))
            .Select(s => new SeedRun(s, EvalFile(s, a.Model))).ToList())).ToList();

    /// <param name="ReuseFrom">Another experiment whose finished stages each seed copies (<see cref="StageReuse"/>); null: none.</param>
    public sealed record RunSettings(string Preset, int Seeds, bool DryRun, string? ReuseFrom = null);

    public static void WriteSettings(string directory, RunSettings settings) =>
        File.WriteAllText(Path.Combine(directory, RunFile), new JsonObject
        {
            ["preset"] = settings.Preset, ["seeds"] = settings.Seeds, ["dry_run"] = settings.DryRun, ["reuse_from"] = settings.ReuseFrom,
        }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <exception cref="InvalidDataException">DIR is not an experiment directory.</exception>
    public static RunSettings ReadSettings(string directory)
    {
        string path = Path.Combine(directory, RunFile);
        if (!File.Exists(path) || !File.Exists(Path.Combine(directory, SpecFile)))
            throw new InvalidDataException($"{directory} is not an experiment directory (no {RunFile} or {SpecFile}); start one with remit experiment run --spec FILE --out {directory}.");
        try
        {
            var node = JsonNode.Parse(File.ReadAllText(path))!;
            return new RunSettings(node["preset"]!.GetValue<string>(), node["seeds"]!.GetValue<int>(), node["dry_run"]!.GetValue<bool>(),
                                   node["reuse_from"]?.GetValue<string>());
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: unreadable ({e.Message}).", e);
        }
    }
}
