using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Training.Reporting;

/// <summary>
/// <c>&lt;run&gt;/results.json</c>: <c>{"rows": [...], "cluster": ..., "eval_split": "test"}</c>. Eval stages add
/// rows with <see cref="AddRows"/>; a row with the same model/task/split/metric/k replaces the old one in
/// place, so re-running an eval updates the table instead of duplicating it.
/// </summary>
/// <param name="Cluster">Free-form cluster facts (nodes, roles); null for in-process runs. Kept as-is on merge.</param>
/// <param name="EvalSplit">The eval set the rows were measured on: "test" (reported numbers) or "dev" (tuning).</param>
public sealed record ResultsFile(IReadOnlyList<ResultRow> Rows, JsonNode? Cluster = null, string? EvalSplit = null)
{
    public const string FileName = "results.json";

    // Read-merge-write must not interleave between two eval processes on one run folder.
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    public static ResultsFile Empty { get; } = new([]);

    public static string PathFor(string runDir) => Path.Combine(runDir, FileName);

    /// <summary>Reads a results file; a missing file is an empty one.</summary>
    public static ResultsFile Read(string path)
    {
        if (!File.Exists(path)) return Empty;
        try
        {
            var file = JsonSerializer.Deserialize<ResultsFile>(File.ReadAllText(path), RunJson.Indented);
            return file is null ? Empty : file with { Rows = file.Rows ?? [] };
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a results file ({e.Message}); fix or delete it and re-run the eval", e);
        }
    }

    /// <summary>Rows as JSON in results.json's own format (how evaluation results travel between nodes).</summary>
    public static string RowsToJson(IEnumerable<ResultRow> rows) => JsonSerializer.Serialize(rows.ToList(), RunJson.Indented);

    /// <summary>Reads <see cref="RowsToJson"/>'s output; malformed text throws <see cref="JsonException"/>.</summary>
    public static IReadOnlyList<ResultRow> RowsFromJson(string json) =>
        JsonSerializer.Deserialize<List<ResultRow>>(json, RunJson.Indented) ?? throw new JsonException("results rows: null");

    /// <summary>Writes atomically (temp file + rename).</summary>
    public void Write(string path) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, RunJson.Indented) + "\n");

    /// <summary>Returns a copy with <paramref name="rows"/> added; same-key rows are replaced where they stood.</summary>
    public ResultsFile Merge(IEnumerable<ResultRow> rows)
    {
        var merged = Rows.ToList();
        var index = new Dictionary<(string, string, string, string, int), int>();
        for (int i = 0; i < merged.Count; i++) index[merged[i].Key] = i;
        foreach (var row in rows)
        {
            row.Validate();
            if (index.TryGetValue(row.Key, out int at))
            {
                merged[at] = row;
            }
            else
            {
                index[row.Key] = merged.Count;
                merged.Add(row);
            }
        }
        return this with { Rows = merged };
    }

    /// <summary>Merges rows into <c>&lt;runDir&gt;/results.json</c> under a lock file and returns the new contents.</summary>
    /// <param name="evalSplit">The eval set the rows come from ("test"/"dev"); null keeps the file's.</param>
    public static ResultsFile AddRows(string runDir, IEnumerable<ResultRow> rows, string? evalSplit = null)
    {
        string path = PathFor(runDir);
        Directory.CreateDirectory(Path.GetFullPath(runDir));
        using var held = AcquireLock(path + ".lock");
        var current = Read(path);
        var updated = current.Merge(rows) with { EvalSplit = evalSplit ?? current.EvalSplit };
        updated.Write(path);
        return updated;
    }

    /// <summary>
    /// Replaces every row of <paramref name="models"/> with <paramref name="rows"/> (rows of other models
    /// stay where they are), under the same lock as <see cref="AddRows"/>; returns the new contents.
    /// </summary>
    public static ResultsFile ReplaceModelRows(string runDir, IReadOnlyCollection<string> models, IEnumerable<ResultRow> rows, string? evalSplit)
    {
        string path = PathFor(runDir);
        Directory.CreateDirectory(Path.GetFullPath(runDir));
        using var held = AcquireLock(path + ".lock");
        var current = Read(path);
        var updated = (current with { Rows = current.Rows.Where(r => !models.Contains(r.Model)).ToList() }).Merge(rows)
            with { EvalSplit = evalSplit ?? current.EvalSplit };
        updated.Write(path);
        return updated;
    }

    private static FileStream AcquireLock(string lockPath)
    {
        var deadline = DateTime.UtcNow + LockTimeout;
        while (true)
        {
            try
            {
                // The lock file stays behind: deleting it on close would let a waiter lock the old inode
                // while a newcomer locks a new one.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }
    }
}
