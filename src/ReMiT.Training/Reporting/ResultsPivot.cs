using System.Globalization;

namespace ReMiT.Training.Reporting;

/// <summary>
/// pass@k results of one metric (greedy answer-level by default) as a grid: one row per model (in order of first appearance), one column per
/// task/split (tasks in order of appearance, splits in <see cref="SplitOrder"/>), plus the guess
/// baseline of each column. The markdown report and the console table both print this.
/// </summary>
internal sealed class ResultsPivot
{
    private readonly Dictionary<(string Model, string Task, string Split), ResultRow> _cells = [];

    public ResultsPivot(IEnumerable<ResultRow> rows, int k = 1, string metric = EvalMetrics.GreedyAnswer)
    {
        var atK = rows.Where(r => r.K == k && r.Metric == metric).ToList();
        Models = atK.Select(r => r.Model).Distinct().ToList();
        var tasks = atK.Select(r => r.Task).Distinct().ToList();
        Columns = atK.Select(r => (r.Task, r.Split)).Distinct()
            .OrderBy(c => tasks.IndexOf(c.Task))
            .ThenBy(c => c.Split, SplitOrder.Instance)
            .ToList();
        foreach (var row in atK) _cells[(row.Model, row.Task, row.Split)] = row;
    }

    public IReadOnlyList<string> Models { get; }
    public IReadOnlyList<(string Task, string Split)> Columns { get; }
    public bool IsEmpty => Columns.Count == 0;

    public ResultRow? Cell(string model, (string Task, string Split) column) =>
        _cells.GetValueOrDefault((model, column.Task, column.Split));

    /// <summary>The column's baseline: rows of one split share their data, so the first one given wins.</summary>
    public double? Baseline((string Task, string Split) column) =>
        Models.Select(m => Cell(m, column)?.Baseline).FirstOrDefault(b => b is not null);

    public bool HasBaselines => Columns.Any(c => Baseline(c) is not null);

    /// <summary>The column's sample count when every model used the same, else null (then cells show it).</summary>
    public int? CommonN((string Task, string Split) column)
    {
        var ns = Models.Select(m => Cell(m, column)?.N).Where(n => n is not null).Distinct().ToList();
        return ns.Count == 1 ? ns[0] : null;
    }

    public string Header((string Task, string Split) column) =>
        CommonN(column) is { } n ? $"{column.Task}/{column.Split} (n={n})" : $"{column.Task}/{column.Split}";

    public string FormatCell(string model, (string Task, string Split) column)
    {
        if (Cell(model, column) is not { } row) return "–";
        string value = Format(row.PassAtK);
        return CommonN(column) is null ? $"{value} (n={row.N})" : value;
    }

    public static string Format(double? value) =>
        value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "–";
}
