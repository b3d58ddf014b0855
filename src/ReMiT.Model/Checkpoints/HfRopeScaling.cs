using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// Reads RoPE scaling from config.json, where transformers 4.x writes <c>rope_scaling</c> and 5.x
/// <c>rope_parameters</c> (either may carry the type as <c>rope_type</c> or, older, <c>type</c>).
/// "default" (or no type) is plain RoPE and "llama3" is <see cref="Llama3RopeScaling"/>; any other
/// type (yarn, dynamic, linear, longrope, …) would change every position's embedding, so it is refused
/// naming the key and value rather than ignored.
/// </summary>
internal static class HfRopeScaling
{
    private static readonly string[] Keys = ["rope_scaling", "rope_parameters"];

    public static Llama3RopeScaling? Read(HfConfigReader r)
    {
        string? typedKey = null, typedAs = null;
        Llama3RopeScaling? scaling = null;
        foreach (string key in Keys)
        {
            if (r.Object(key) is not { } rope) continue;
            var node = rope["rope_type"] ?? rope["type"];
            if (node is null || node.GetValueKind() == JsonValueKind.Null) continue;
            string typeKey = $"{key}.{(rope.ContainsKey("rope_type") ? "rope_type" : "type")}";
            if (node.GetValueKind() != JsonValueKind.String || (string)node! is not ("default" or "llama3"))
                throw r.Unsupported(typeKey, node.ToJsonString(),
                    "only unscaled (\"default\") and Llama 3 (\"llama3\") RoPE are implemented; YaRN, dynamic, linear and longrope scaling are not");
            string type = (string)node!;
            var parsed = type == "llama3" ? Llama3(r.Nested(rope, key)) : null;
            if (typedKey is not null && (typedAs != type || parsed != scaling))
                throw HfConfig.Bad(r.Source, $"'{typedKey}' and '{typeKey}' describe different RoPE scaling ({typedAs} vs {type}, or different values); make them agree");
            (typedKey, typedAs, scaling) = (typeKey, type, parsed);
        }
        return scaling;
    }

    private static Llama3RopeScaling Llama3(HfConfigReader rope) => new(
        rope.Double("factor") ?? throw rope.Missing("factor"),
        rope.Double("low_freq_factor") ?? throw rope.Missing("low_freq_factor"),
        rope.Double("high_freq_factor") ?? throw rope.Missing("high_freq_factor"),
        rope.Int("original_max_position_embeddings") ?? throw rope.Missing("original_max_position_embeddings"));

    /// <summary>The fields written under rope_parameters / rope_scaling for a scaled config.</summary>
    public static void Write(JsonObject target, Llama3RopeScaling s, Func<double, JsonNode> real)
    {
        target["factor"] = real(s.Factor);
        target["high_freq_factor"] = real(s.HighFreqFactor);
        target["low_freq_factor"] = real(s.LowFreqFactor);
        target["original_max_position_embeddings"] = s.OriginalMaxPositionEmbeddings;
    }
}
