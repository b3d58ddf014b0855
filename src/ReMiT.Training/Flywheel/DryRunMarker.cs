using System.Text.Json.Nodes;

namespace ReMiT.Training.Flywheel;

/// <summary>Whether a run directory holds a dry run (its config.json says "dry_run": true), so reports can say so.</summary>
public static class DryRunMarker
{
    public static bool IsDryRun(string runDirectory)
    {
        string path = Path.Combine(runDirectory, "config.json");
        if (!File.Exists(path)) return false;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path), documentOptions: new() { CommentHandling = System.Text.Json.JsonCommentHandling.Skip })?["dry_run"] is JsonValue v
                   && v.TryGetValue<bool>(out bool dry) && dry;
        }
        catch (System.Text.Json.JsonException) { return false; } // an unreadable config is reported elsewhere
    }
}
