using System.Text.Json;

namespace ReMiT.Training.Reporting;

/// <summary>
/// What a finished stage leaves behind (<c>stages/NAME.json</c>); its presence also marks the stage
/// done for <c>--resume</c>.
/// </summary>
/// <param name="Stage">e.g. "pretrain", "rl:base", "midtrain:remit", "eval:remit+rl".</param>
/// <param name="Kind">pretrain, midtrain, sft, rl or eval.</param>
/// <param name="Model">The model directory it wrote or read, relative to the run.</param>
public sealed record StageSummary(
    string Stage, string Kind, string Model, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, double Seconds,
    int Steps, long Tokens, double? FinalLoss, Dictionary<string, double> Extra)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    private static string FileFor(string runDirectory, string stage) =>
        Path.Combine(runDirectory, "stages", stage.Replace(':', '_').Replace('+', '-') + ".json");

    public static bool Exists(string runDirectory, string stage) => File.Exists(FileFor(runDirectory, stage));

    public void Save(string runDirectory)
    {
        string path = FileFor(runDirectory, Stage);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>Every stage summary of a run, in the order the stages finished.</summary>
    public static IReadOnlyList<StageSummary> ReadAll(string runDirectory)
    {
        string dir = Path.Combine(runDirectory, "stages");
        if (!Directory.Exists(dir)) return [];
        return Directory.GetFiles(dir, "*.json")
            .Select(f =>
            {
                try { return JsonSerializer.Deserialize<StageSummary>(File.ReadAllText(f), Json); }
                catch (JsonException e) { throw new InvalidDataException($"{f}: corrupt stage summary: {e.Message}", e); }
            })
            .OfType<StageSummary>()
            .OrderBy(s => s.FinishedAt)
            .ToList();
    }
}
