using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// Hugging Face's <c>model.safetensors.index.json</c>: which shard file holds each tensor
/// (<c>weight_map</c>) and the tensors' total byte size (<c>metadata.total_size</c>).
/// </summary>
public sealed record SafeTensorsIndex(IReadOnlyDictionary<string, string> WeightMap, long? TotalSize)
{
    public const string FileName = "model.safetensors.index.json";

    /// <summary>The shard files in the order their first tensor appears in the weight map.</summary>
    public IReadOnlyList<string> Files => WeightMap.Values.Distinct(StringComparer.Ordinal).ToList();

    /// <exception cref="InvalidDataException">The file is not valid JSON, lacks weight_map, or names a shard outside its folder.</exception>
    public static SafeTensorsIndex Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <param name="source">Names the file in error messages.</param>
    public static SafeTensorsIndex Parse(string json, string source)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw Bad(source, "the file must hold a JSON object");
        }
        catch (JsonException e)
        {
            throw Bad(source, $"not valid JSON ({e.Message})", e);
        }
        if (root["weight_map"] is not JsonObject map)
            throw Bad(source, "'weight_map' is missing or not an object of tensor name → shard file");
        var weights = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in map)
        {
            if (value?.GetValueKind() != JsonValueKind.String)
                throw Bad(source, $"'weight_map.{name}' is {value?.ToJsonString() ?? "null"}; expected a shard file name");
            string file = (string)value!;
            // A shard is a file beside the index: a path could reach outside the model directory.
            if (file.Length == 0 || file != Path.GetFileName(file) || file is "." or "..")
                throw Bad(source, $"'weight_map.{name}' is \"{file}\"; expected a file name in the same folder");
            weights[name] = file;
        }
        if (weights.Count == 0)
            throw Bad(source, "'weight_map' is empty; the checkpoint has no tensors");
        long? total = null;
        if (root["metadata"] is JsonObject meta && meta["total_size"] is { } size)
            total = size.GetValueKind() == JsonValueKind.Number && size.AsValue().TryGetValue(out long t) && t >= 0 ? t
                : size.GetValueKind() == JsonValueKind.Number && size.AsValue().TryGetValue(out double d) && d >= 0 && d == Math.Floor(d) ? (long)d
                : throw Bad(source, $"'metadata.total_size' is {size.ToJsonString()}; expected a non-negative integer");
        return new SafeTensorsIndex(weights, total);
    }

    /// <summary>The text transformers writes: sorted keys, two-space indent, a final newline.</summary>
    public string ToJson()
    {
        var map = new JsonObject();
        foreach (var (name, file) in WeightMap.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            map[name] = file;
        var root = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = TotalSize },
            ["weight_map"] = map,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static InvalidDataException Bad(string source, string problem, Exception? inner = null) =>
        new($"{source}: {problem}.", inner);
}
