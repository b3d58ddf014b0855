namespace ReMiT.Training.Reporting;

/// <summary>One colour of a <see cref="BarPlot"/>: a value per group, null where that group has none.</summary>
public sealed record BarSeries(string Name, IReadOnlyList<double?> Values);
