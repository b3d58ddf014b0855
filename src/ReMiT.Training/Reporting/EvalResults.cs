namespace ReMiT.Training.Reporting;

/// <summary>Rebuilds results.json's eval rows from <c>RUN/eval/*.jsonl</c> (what <c>remit report</c> does first).</summary>
public static class EvalResults
{
    /// <summary>Replaces every evaluated model's rows with those computed from its records; returns the models recomputed.</summary>
    /// <exception cref="InvalidDataException">A records file is malformed, or two of them come from different eval sets.</exception>
    public static IReadOnlyList<string> Recompute(string runDir)
    {
        var all = EvalRecordsFile.ReadAll(runDir);
        if (all.Count == 0) return [];
        var splits = all.SelectMany(m => m.Records.Select(r => r.EvalSplit)).Distinct().ToArray();
        if (splits.Length > 1)
            throw new InvalidDataException(
                $"{Path.Combine(runDir, EvalRecordsFile.Folder)}: records from different eval sets ({string.Join(", ", splits)}); re-evaluate the models on one");
        var models = all.Select(m => m.Model).ToArray();
        ResultsFile.ReplaceModelRows(runDir, models, all.SelectMany(m => EvalRows.From(m.Model, m.Records)), splits.FirstOrDefault());
        return models;
    }
}
