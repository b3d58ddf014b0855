using System.Text;
using System.Text.Json;

namespace ReMiT.Training.Reporting;

/// <summary>One metric value: the contract between stages (which append) and the report (which reads).</summary>
public sealed record MetricPoint(string Stage, int Step, string Metric, double Value, DateTimeOffset Time);

/// <summary>
/// Metric series of a run as JSON Lines (<c>metrics.jsonl</c>): one value per line, flushed as it is
/// written, so a crashed run keeps everything up to its last step and the report can still be built.
/// </summary>
public sealed class MetricsLog
{
    internal static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private readonly string _path;
    private readonly object _gate = new();

    public MetricsLog(string path)
    {
        _path = path;
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
    }

    public void Append(string stage, int step, string metric, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value)) return; // JSON has no NaN; a missing point plots as a gap
        string line = JsonSerializer.Serialize(new MetricPoint(stage, step, metric, value, DateTimeOffset.UtcNow), Json);
        lock (_gate) File.AppendAllText(_path, line + "\n", Encoding.UTF8);
    }

    /// <summary>All points, grouped by (stage, metric) in step order; unreadable lines (a crash mid-write) are reported and skipped.</summary>
    public static IReadOnlyDictionary<(string Stage, string Metric), IReadOnlyList<MetricPoint>> Read(string path, TextWriter? warnings = null)
    {
        var points = new List<MetricPoint>();
        if (!File.Exists(path)) return new Dictionary<(string, string), IReadOnlyList<MetricPoint>>();
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                points.Add(JsonSerializer.Deserialize<MetricPoint>(line, Json) ?? throw new JsonException("null"));
            }
            catch (JsonException e)
            {
                warnings?.WriteLine($"{path}:{lineNo}: skipped unreadable metric line ({e.Message.Split('.')[0]})");
            }
        }
        return points.GroupBy(p => (p.Stage, p.Metric))
            .ToDictionary(g => g.Key, g => (IReadOnlyList<MetricPoint>)g.OrderBy(p => p.Step).ToList());
    }
}
