using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Training.Experiments;

/// <summary>Reads typed values out of a JSON tree, adding each problem (by JSON path) to a shared list instead of stopping.</summary>
internal sealed class NodeReader(List<string> errors)
{
    public void Keys(JsonObject node, string path, IReadOnlyList<string> known)
    {
        foreach (var (key, _) in node)
            if (!known.Contains(key)) errors.Add($"{path}.{key}: unknown key; expected one of {string.Join(", ", known)}.");
    }

    public string String(JsonObject node, string path, string key, bool required = false)
    {
        if (!node.TryGetPropertyValue(key, out var value) || value is null)
        {
            if (required) errors.Add($"{path}.{key}: required.");
            return "";
        }
        if (value.GetValueKind() == JsonValueKind.String) return value.GetValue<string>();
        errors.Add($"{path}.{key}: expected a string, found {value.GetValueKind().ToString().ToLowerInvariant()}.");
        return "";
    }

    public int? Int(JsonObject node, string path, string key)
    {
        if (!node.TryGetPropertyValue(key, out var value) || value is null) return null;
        if (value is JsonValue v && v.TryGetValue<int>(out int i)) return i;
        if (value.GetValueKind() == JsonValueKind.Number && double.TryParse(value.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d) && Math.Abs(d) < int.MaxValue)
            return (int)d;
        errors.Add($"{path}.{key}: expected an integer, found {value.ToJsonString()}.");
        return null;
    }

    public bool? Bool(JsonObject node, string path, string key)
    {
        if (!node.TryGetPropertyValue(key, out var value) || value is null) return null;
        if (value.GetValueKind() is JsonValueKind.True or JsonValueKind.False) return value.GetValue<bool>();
        errors.Add($"{path}.{key}: expected true or false, found {value.ToJsonString()}.");
        return null;
    }

    public IReadOnlyList<string> Strings(JsonObject node, string path, string key)
    {
        if (!node.TryGetPropertyValue(key, out var value) || value is null) return [];
        if (value is not JsonArray array) { errors.Add($"{path}.{key}: expected a list of strings."); return []; }
        var result = new List<string>();
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is { } item && item.GetValueKind() == JsonValueKind.String) result.Add(item.GetValue<string>());
            else errors.Add($"{path}.{key}[{i}]: expected a string.");
        }
        return result;
    }

    public IEnumerable<(JsonObject Node, string Path)> Objects(JsonObject node, string path, string key, bool required = false)
    {
        if (!node.TryGetPropertyValue(key, out var value) || value is null)
        {
            if (required) errors.Add($"{path}.{key}: required (a list).");
            yield break;
        }
        if (value is not JsonArray array) { errors.Add($"{path}.{key}: expected a list."); yield break; }
        for (int i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonObject o) yield return (o, $"{path}.{key}[{i}]");
            else errors.Add($"{path}.{key}[{i}]: expected an object.");
        }
    }
}
