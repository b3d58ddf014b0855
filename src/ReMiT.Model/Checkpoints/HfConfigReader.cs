using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// Typed access to a config.json's top-level keys, or (with <paramref name="prefix"/>, e.g. "rope_scaling.")
/// to a nested object's. JSON null counts as absent (transformers writes "pad_token_id": null), and a
/// value of the wrong type fails naming the file and key.
/// </summary>
internal sealed class HfConfigReader(JsonObject root, string source, string prefix = "")
{
    public string Source => source;

    /// <summary>A reader for the nested object <paramref name="key"/>, whose errors name it as "key.field".</summary>
    public HfConfigReader Nested(JsonObject value, string key) => new(value, source, prefix + key + ".");

    public string? String(string key) => Get(key, JsonValueKind.String, "a string")?.GetValue<string>();

    public bool? Bool(string key)
    {
        var node = Value(key);
        return node?.GetValueKind() switch
        {
            null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(key, node, "true or false"),
        };
    }

    public double? Double(string key) => Get(key, JsonValueKind.Number, "a number")?.GetValue<double>();

    public int? Int(string key)
    {
        var node = Get(key, JsonValueKind.Number, "an integer");
        if (node is null)
            return null;
        return node.AsValue().TryGetValue(out int v) ? v
            : node.AsValue().TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue ? (int)d
            : throw WrongType(key, node, "an integer");
    }

    /// <summary>A token id: null, an integer, or (eos_token_id in Qwen/Llama-3 configs) a list whose first entry is used.</summary>
    public int? TokenId(string key)
    {
        var node = Value(key);
        if (node is JsonArray list)
        {
            if (list.Count == 0)
                return null;
            if (list[0]?.GetValueKind() == JsonValueKind.Number && list[0]!.AsValue().TryGetValue(out int first))
                return first;
            throw WrongType(key, node, "an integer or a list of integers");
        }
        return Int(key);
    }

    public JsonArray? Array(string key) => Get(key, JsonValueKind.Array, "a list") as JsonArray;

    public JsonObject? Object(string key) => Get(key, JsonValueKind.Object, "an object") as JsonObject;

    public InvalidDataException Missing(string key) =>
        HfConfig.Bad(source, $"'{prefix}{key}' is missing; a Llama/Qwen config.json must set it");

    public InvalidDataException Unsupported(string key, string found, string why) =>
        HfConfig.Bad(source, $"'{prefix}{key}' is {found}, which is not supported: {why}");

    private JsonNode? Value(string key) =>
        root[key] is { } node && node.GetValueKind() != JsonValueKind.Null ? node : null;

    private JsonNode? Get(string key, JsonValueKind kind, string expected)
    {
        var node = Value(key);
        if (node is not null && node.GetValueKind() != kind)
            throw WrongType(key, node, expected);
        return node;
    }

    private InvalidDataException WrongType(string key, JsonNode node, string expected) =>
        HfConfig.Bad(source, $"'{prefix}{key}' is {node.ToJsonString()}; expected {expected}");
}
