using System.Text.Json;

namespace ReMiT.Training.Experiments;

/// <summary>
/// Reads a per-problem eval file (JSON lines; see <see cref="ProblemRecord"/>). Unknown fields are ignored so the
/// evaluator can add fields freely; a line that is not a JSON object with the needed fields is an error naming
/// FILE:LINE, because a silently skipped problem would unpair the comparison.
/// </summary>
internal static class ProblemRecordFile
{
    public static IReadOnlyList<ProblemRecord> Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
            throw new FileNotFoundException($"per-problem eval file '{path}' does not exist; run the eval stage (it writes RUN/eval/<model>.jsonl) or fix the path", path);
        var records = new List<ProblemRecord>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var record = Parse(line, path, lineNumber);
            if (seen.TryGetValue(record.ProblemId, out int first))
                throw new InvalidDataException($"{path}:{lineNumber}: problem_id '{record.ProblemId}' already appeared on line {first}; each problem must appear once per file");
            seen[record.ProblemId] = lineNumber;
            records.Add(record);
        }
        return records;
    }

    internal static ProblemRecord Parse(string line, string path, int lineNumber)
    {
        string where = $"{path}:{lineNumber}";
        JsonDocument doc;
        try { doc = JsonDocument.Parse(line); }
        catch (JsonException e) { throw new InvalidDataException($"{where}: not valid JSON ({e.Message}); each line must be one JSON object", e); }
        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{where}: expected a JSON object, found {o.ValueKind}");
            string id = String(o, "problem_id", where, required: true)!;
            if (id.Length == 0) throw new InvalidDataException($"{where}: problem_id is empty");
            var record = new ProblemRecord(
                id,
                String(o, "task", where, required: false) ?? "",
                String(o, "split", where, required: true)!,
                Bool(o, "greedy_answer", where),
                Bool(o, "greedy_strict", where),
                Int(o, "n_samples", where),
                Int(o, "n_answer", where),
                Int(o, "n_strict", where));
            if (record.NAnswer > record.NSamples || record.NStrict > record.NAnswer)
                throw new InvalidDataException($"{where}: counts must satisfy n_strict <= n_answer <= n_samples, found n_samples={record.NSamples}, n_answer={record.NAnswer}, n_strict={record.NStrict}");
            return record;
        }
    }

    private static string? String(JsonElement o, string name, string where, bool required)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return required ? throw new InvalidDataException($"{where}: field '{name}' is missing") : null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw new InvalidDataException($"{where}: field '{name}' must be a string, found {v.ValueKind}");
    }

    private static bool Bool(JsonElement o, string name, string where)
    {
        if (!o.TryGetProperty(name, out var v)) throw new InvalidDataException($"{where}: field '{name}' is missing");
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{where}: field '{name}' must be true or false, found {v.ValueKind}"),
        };
    }

    // Sample counts may be absent when only greedy decoding ran; a sampled metric then refuses the file.
    private static int Int(JsonElement o, string name, string where)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null) return 0;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int n) || n < 0)
            throw new InvalidDataException($"{where}: field '{name}' must be a non-negative integer, found {v.GetRawText()}");
        return n;
    }
}
