using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// The stop tokens a Hugging Face model directory names: <c>eos_token_id</c> (an integer or a list) in
/// <c>config.json</c> and in <c>generation_config.json</c>. Chat models often list several there (Llama 3
/// Instruct ends turns with &lt;|eot_id|&gt;, Qwen with &lt;|im_end|&gt;) while config.json names only the
/// base model's end of text; generation stops at any of them, as transformers' generate does.
/// </summary>
public static class HfGenerationConfig
{
    public const string FileName = "generation_config.json";

    /// <summary>config.json's eos ids, then generation_config.json's not already listed; empty when neither names any.</summary>
    /// <exception cref="InvalidDataException">A file is not valid JSON or its eos_token_id is neither an integer nor a list of them.</exception>
    public static IReadOnlyList<int> StopTokenIds(string directory)
    {
        var ids = new List<int>();
        foreach (string file in new[] { HfCheckpoint.ConfigFile, FileName })
        {
            string path = Path.Combine(directory, file);
            if (!File.Exists(path)) continue;
            foreach (int id in EosIds(File.ReadAllText(path), file))
                if (!ids.Contains(id)) ids.Add(id);
        }
        return ids;
    }

    /// <summary>The eos_token_id entries of one JSON file (none when absent or null).</summary>
    /// <param name="source">Names the file in error messages.</param>
    public static IReadOnlyList<int> EosIds(string json, string source)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException e)
        {
            throw HfConfig.Bad(source, $"not valid JSON ({e.Message})", e);
        }
        if (root is not JsonObject o)
            throw HfConfig.Bad(source, "the file must hold a JSON object");
        var node = o["eos_token_id"];
        if (node is null || node.GetValueKind() == JsonValueKind.Null) return [];
        var items = node is JsonArray list ? list.ToList() : [node];
        var ids = new List<int>();
        foreach (var item in items)
        {
            if (item?.GetValueKind() != JsonValueKind.Number || !item.AsValue().TryGetValue(out int id) || id < 0)
                throw HfConfig.Bad(source, $"'eos_token_id' is {node.ToJsonString()}; expected a token id or a list of token ids");
            ids.Add(id);
        }
        return ids;
    }
}
