using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace ReMiT.Training.Reporting;

/// <summary>One evaluation number: a model's pass@k on a task split, beside the most-common-answer baseline.</summary>
public sealed record ResultRow(string Model, string Task, string Split, int K, double PassAtK, int N, double? Baseline = null);

/// <summary>
/// <c>results.json</c>: <c>{"rows": [{"model", "task", "split", "k", "pass_at_k", "n", "baseline"}, …], "cluster": …}</c>.
/// Rows are merged by (model, task, split, k), so re-evaluating a model replaces its rows; written atomically.
/// </summary>
public sealed record ResultsFile(IReadOnlyList<ResultRow> Rows, JsonNode? Cluster = null)
{
    public const string FileName = "results.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static ResultsFile Read(string path)
    {
        if (!File.Exists(path)) return new ResultsFile([]);
        try
        {
            return JsonSerializer.Deserialize<ResultsFile>(File.ReadAllText(path), Json) ?? new ResultsFile([]);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: corrupt results file: {e.Message}", e);
        }
    }

    /// <summary>Adds <paramref name="rows"/> to the file at <paramref name="path"/>, replacing rows with the same key.</summary>
    public static ResultsFile Merge(string path, IEnumerable<ResultRow> rows)
    {
        var existing = Read(path);
        var merged = existing.Rows.ToDictionary(r => (r.Model, r.Task, r.Split, r.K));
        foreach (var row in rows) merged[(row.Model, row.Task, row.Split, row.K)] = row;
        var result = existing with { Rows = merged.Values.ToList() };
        result.Write(path);
        return result;
    }

    public void Write(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        string tmp = path + ".tmp";
        File.WriteAllText(tmp, JsonSerializer.Serialize(this, Json));
        File.Move(tmp, path, overwrite: true);
    }
}
