namespace ReMiT.Training.Reporting;

/// <summary>One line of <c>metrics.jsonl</c>: a metric's value at a stage's step.</summary>
public sealed record MetricPoint(string Stage, long Step, string Metric, double Value, DateTimeOffset Time);
