namespace ReMiT.Training.Reporting;

/// <summary>A horizontal dashed line across a plot with its legend label, e.g. the guess baseline.</summary>
public sealed record ReferenceLine(string Label, double Y);
