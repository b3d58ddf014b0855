using System.Text;
using System.Text.Json;

namespace ReMiT.Training.Reporting;

/// <summary>
/// Appends metric values to <c>&lt;run&gt;/metrics.jsonl</c>, one JSON object per line, flushed per line so a
/// crashed run keeps every value it logged; <see cref="Read"/> groups them back into series for the report.
/// Safe to call from several threads of one process.
/// </summary>
public sealed class MetricsLog : IDisposable
{
    public const string FileName = "metrics.jsonl";

    private readonly StreamWriter _writer;
    private readonly TimeProvider _time;
    private readonly object _gate = new();

    /// <param name="path">The file to append to (its folder is created); see <see cref="ForRun"/>.</param>
    /// <param name="time">Clock for the <c>time</c> field; tests pass a fake one.</param>
    public MetricsLog(string path, TimeProvider? time = null)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        FilePath = full;
        _time = time ?? TimeProvider.System;
        // FileShare.ReadWrite: `remit report` may read the file while a stage is still writing it.
        var stream = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        _writer = new StreamWriter(stream, new UTF8Encoding(false)) { NewLine = "\n" };
    }

    public string FilePath { get; }

    /// <summary>Opens <c>&lt;runDir&gt;/metrics.jsonl</c> for appending.</summary>
    public static MetricsLog ForRun(string runDir, TimeProvider? time = null) =>
        new(Path.Combine(runDir, FileName), time);

    /// <summary>
    /// Raised for every value after it is written, on the appending thread and in file order, so other sinks
    /// (Prometheus, in ReMiT.Cluster) see what training logs without training knowing them. Handlers must be quick.
    /// </summary>
    public event Action<MetricPoint>? Appended;

    public void Append(string stage, long step, string metric, double value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        var point = new MetricPoint(stage, step, metric, value, _time.GetUtcNow());
        string line = JsonSerializer.Serialize(point, RunJson.Compact);
        lock (_gate)
        {
            _writer.WriteLine(line);
            _writer.Flush();
            Appended?.Invoke(point);
        }
    }

    /// <summary>Logs several metrics of one step, e.g. loss, lr and grad_norm.</summary>
    public void Append(string stage, long step, IEnumerable<KeyValuePair<string, double>> metrics)
    {
        foreach (var (metric, value) in metrics) Append(stage, step, metric, value);
    }

    public void Dispose()
    {
        lock (_gate) _writer.Dispose();
    }

    /// <summary>
    /// Reads a metrics file into series grouped by (stage, metric), in order of first appearance.
    /// A line that does not parse (typically the last one, cut off by a crash) is reported through
    /// <paramref name="warn"/> (stderr by default) as <c>FILE:LINE: reason</c> and skipped. A missing
    /// file gives no series.
    /// </summary>
    public static IReadOnlyList<MetricSeries> Read(string path, Action<string>? warn = null)
    {
        warn ??= message => Console.Error.WriteLine(message);
        if (!File.Exists(path)) return [];

        var groups = new Dictionary<(string Stage, string Metric), List<MetricPoint>>();
        var order = new List<(string Stage, string Metric)>();
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            MetricPoint? point;
            try
            {
                point = JsonSerializer.Deserialize<MetricPoint>(line, RunJson.Compact);
            }
            catch (JsonException e)
            {
                warn($"{path}:{lineNumber}: skipped, not a metrics line ({e.Message})");
                continue;
            }
            if (point is null || string.IsNullOrEmpty(point.Stage) || string.IsNullOrEmpty(point.Metric))
            {
                warn($"{path}:{lineNumber}: skipped, expected \"stage\" and \"metric\" fields");
                continue;
            }
            var key = (point.Stage, point.Metric);
            if (!groups.TryGetValue(key, out var list))
            {
                groups[key] = list = [];
                order.Add(key);
            }
            list.Add(point);
        }
        return order.Select(k => new MetricSeries(k.Stage, k.Metric, groups[k])).ToList();
    }
}
