using System.Text.Json;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// plan.json in a run directory: the custom stage list an experiment gave the run, so every node (and
/// a resume) walks the same plan. Absent for a plain flywheel run, whose plan follows from its config.
/// </summary>
public static class PlanFile
{
    public const string FileName = "plan.json";

    public static void Write(string runDirectory, IReadOnlyList<PlannedStage> plan) =>
        File.WriteAllText(Path.Combine(runDirectory, FileName), JsonSerializer.Serialize(plan, ConfigLoader.Json));

    /// <summary>The saved plan, or null when the run has none.</summary>
    /// <exception cref="InvalidDataException">plan.json exists but is not a stage list.</exception>
    public static IReadOnlyList<PlannedStage>? Read(string runDirectory)
    {
        string path = Path.Combine(runDirectory, FileName);
        if (!File.Exists(path)) return null;
        try
        {
            return JsonSerializer.Deserialize<List<PlannedStage>>(File.ReadAllText(path), ConfigLoader.Json)
                   ?? throw new InvalidDataException($"{path}: empty plan.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a stage list: {e.Message}", e);
        }
    }
}
