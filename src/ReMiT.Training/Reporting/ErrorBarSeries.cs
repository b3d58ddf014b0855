namespace ReMiT.Training.Reporting;

/// <summary>An estimate with its interval, e.g. a mean and its 95% CI.</summary>
public sealed record Interval(double Value, double Low, double High);

/// <summary>One colour of an <see cref="ErrorBarPlot"/>: an interval per group, null where that group has none.</summary>
public sealed record ErrorBarSeries(string Name, IReadOnlyList<Interval?> Values);
