using System.Text;
using System.Text.Json;

namespace ReMiT.Training.Reporting;

/// <summary>
/// <c>RUN/eval/&lt;model&gt;.jsonl</c>: one <see cref="EvalRecord"/> per line. Written atomically by whichever
/// node evaluates (the run directory is shared storage), read by the coordinator, the report and experiments.
/// </summary>
public static class EvalRecordsFile
{
    public const string Folder = "eval";
    public const string Extension = ".jsonl";

    public static string PathFor(string runDir, string model) => Path.Combine(runDir, Folder, model + Extension);

    /// <summary>Writes every record (temp file + rename, so a reader never sees half a file).</summary>
    public static void Write(string path, IEnumerable<EvalRecord> records)
    {
        var text = new StringBuilder();
        foreach (var record in records)
        {
            record.Validate();
            text.Append(JsonSerializer.Serialize(record, RunJson.Compact)).Append('\n');
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        AtomicFile.WriteAllText(path, text.ToString());
    }

    /// <summary>
    /// Reads a records file. A malformed line, or a problem id seen twice, throws naming the file and line: a silently
    /// skipped or doubled problem would unpair every comparison that uses the file.
    /// </summary>
    public static IReadOnlyList<EvalRecord> Read(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path}: no eval records; evaluate the model first (the eval:<model> stage)", path);
        var records = new List<EvalRecord>();
        var firstLine = new Dictionary<string, int>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                var record = JsonSerializer.Deserialize<EvalRecord>(line, RunJson.Compact) ?? throw new JsonException("null record");
                record.Validate();
                records.Add(record);
            }
            catch (Exception e) when (e is JsonException or InvalidDataException)
            {
                throw new InvalidDataException($"{path}:{lineNumber}: not an eval record ({e.Message}); re-run that model's eval or delete the file", e);
            }
            string id = records[^1].ProblemId;
            if (!firstLine.TryAdd(id, lineNumber))
                throw new InvalidDataException($"{path}:{lineNumber}: problem_id '{id}' already appeared on line {firstLine[id]}; each problem must appear once per file");
        }
        return records;
    }

    /// <summary>Every model's records under <c>RUN/eval/</c>, by model name (file name without .jsonl), in name order.</summary>
    public static IReadOnlyList<(string Model, IReadOnlyList<EvalRecord> Records)> ReadAll(string runDir)
    {
        string folder = Path.Combine(runDir, Folder);
        if (!Directory.Exists(folder)) return [];
        return Directory.GetFiles(folder, "*" + Extension).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileNameWithoutExtension(f), Read(f))).ToArray();
    }

    /// <summary>The eval set ("dev"/"test") a model's records come from; null when it has none.</summary>
    public static string? EvalSplitOf(string runDir, string model)
    {
        string path = PathFor(runDir, model);
        return File.Exists(path) ? Read(path).Select(r => r.EvalSplit).FirstOrDefault() : null;
    }
}
