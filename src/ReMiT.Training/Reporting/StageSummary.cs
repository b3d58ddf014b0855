using System.Text.Json;

namespace ReMiT.Training.Reporting;

/// <summary>
/// What a finished stage writes for the report: <c>&lt;run&gt;/stages/&lt;stage&gt;.json</c>, with ':' in the
/// stage name replaced by '_' (<c>rl:base</c> → <c>stages/rl_base.json</c>).
/// </summary>
/// <param name="Stage">Unique name in the run, e.g. "pretrain", "rl:base", "midtrain:remit".</param>
/// <param name="Model">Output model folder, relative to the run folder.</param>
/// <param name="Extra">Anything else worth a column, e.g. "tokens_per_second", "mean_reward".</param>
public sealed record StageSummary(
    string Stage,
    StageKind Kind,
    string? Model,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double Seconds,
    long Steps,
    long Tokens,
    double? FinalLoss = null,
    Dictionary<string, double>? Extra = null)
{
    public const string FolderName = "stages";

    public static string PathFor(string runDir, string stage)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        string file = stage.Replace(':', '_');
        if (file.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || file is "." or "..")
            throw new ArgumentException($"stage name '{stage}' cannot be a file name; use letters, digits, '-', '_' and ':'", nameof(stage));
        return Path.Combine(runDir, FolderName, file + ".json");
    }

    /// <summary>Writes this summary atomically and returns its path.</summary>
    public string Save(string runDir)
    {
        string path = PathFor(runDir, Stage);
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, RunJson.Indented) + "\n");
        return path;
    }

    public static StageSummary Load(string path) =>
        JsonSerializer.Deserialize<StageSummary>(File.ReadAllText(path), RunJson.Indented)
        ?? throw new InvalidDataException($"{path}: expected a stage summary object, found null");

    /// <summary>
    /// Every summary in <c>&lt;run&gt;/stages</c>, ordered by start time. A file that does not parse is reported
    /// through <paramref name="warn"/> (stderr by default) and skipped, so one bad file does not cost the report.
    /// </summary>
    public static IReadOnlyList<StageSummary> ReadAll(string runDir, Action<string>? warn = null)
    {
        warn ??= message => Console.Error.WriteLine(message);
        string dir = Path.Combine(runDir, FolderName);
        if (!Directory.Exists(dir)) return [];
        var summaries = new List<StageSummary>();
        foreach (string path in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                summaries.Add(Load(path));
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                warn($"{path}: skipped, not a stage summary ({e.Message})");
            }
        }
        return summaries.OrderBy(s => s.StartedAt).ThenBy(s => s.Stage, StringComparer.Ordinal).ToList();
    }
}
