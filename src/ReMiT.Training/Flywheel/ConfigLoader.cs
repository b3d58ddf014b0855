using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ReMiT.Training.Flywheel;

/// <summary>
/// Reads a flywheel config: a JSON preset, then <c>--set path=value</c> overrides
/// (e.g. <c>mid_train.epsilon=0.3</c>). An unknown key or a value of the wrong type fails with its
/// path; the result is validated as a whole.
/// </summary>
public static class ConfigLoader
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Loads <paramref name="path"/> and applies <paramref name="overrides"/> ("a.b=c").</summary>
    public static FlywheelConfig Load(string path, IEnumerable<string>? overrides = null)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Config file '{path}' does not exist.", path);
        JsonNode root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })
                   ?? throw new InvalidDataException($"{path}: empty config.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {e.Message}", e);
        }
        foreach (string o in overrides ?? []) Apply(root, o);
        return Parse(root, path);
    }

    /// <summary>Deserialises and validates a config tree; <paramref name="source"/> names it in errors.</summary>
    public static FlywheelConfig Parse(JsonNode root, string source)
    {
        FlywheelConfig config;
        try
        {
            config = root.Deserialize<FlywheelConfig>(Json) ?? throw new InvalidDataException($"{source}: empty config.");
        }
        catch (JsonException e)
        {
            // System.Text.Json reports the JSON path ($.mid_train.epsilon) of the bad or unknown member.
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
        var errors = config.Validate();
        if (errors.Count > 0)
            throw new InvalidDataException($"{source}: invalid config:\n  " + string.Join("\n  ", errors));
        return config;
    }

    /// <summary>The resolved config as JSON (saved to the run directory and into checkpoints).</summary>
    public static string ToJson(FlywheelConfig config) => JsonSerializer.Serialize(config, Json);

    /// <summary>Sets <c>a.b.c=value</c> in the tree; the value is parsed as JSON when it can be, else taken as a string.</summary>
    public static void Apply(JsonNode root, string assignment)
    {
        int eq = assignment.IndexOf('=');
        if (eq <= 0) throw new ArgumentException($"--set '{assignment}': expected path=value, e.g. mid_train.epsilon=0.3.");
        string[] path = assignment[..eq].Split('.');
        string raw = assignment[(eq + 1)..];
        JsonNode value;
        try { value = JsonNode.Parse(raw) ?? JsonValue.Create(raw)!; }
        catch (JsonException) { value = JsonValue.Create(raw)!; }

        JsonNode node = root;
        for (int i = 0; i < path.Length - 1; i++)
        {
            if (node is not JsonObject obj || !obj.TryGetPropertyValue(path[i], out var child) || child is null)
            {
                // Sections missing from a preset take their defaults; create them so the override lands.
                if (node is JsonObject o) { child = new JsonObject(); o[path[i]] = child; }
                else throw new ArgumentException($"--set '{assignment}': '{string.Join('.', path[..(i + 1)])}' is not an object.");
            }
            node = child;
        }
        if (node is not JsonObject target)
            throw new ArgumentException($"--set '{assignment}': '{string.Join('.', path[..^1])}' is not an object.");
        target[path[^1]] = value;
    }

}
