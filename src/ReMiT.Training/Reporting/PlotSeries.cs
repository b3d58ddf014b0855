namespace ReMiT.Training.Reporting;

/// <summary>One named line of a <see cref="LinePlot"/>: points in x order, drawn dashed when <paramref name="Dashed"/>.</summary>
public sealed record PlotSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, bool Dashed = false)
{
    /// <summary>Builds a series from (x, y) pairs.</summary>
    public static PlotSeries From(string name, IEnumerable<(double X, double Y)> points, bool dashed = false)
    {
        var list = points.ToList();
        return new PlotSeries(name, list.Select(p => p.X).ToArray(), list.Select(p => p.Y).ToArray(), dashed);
    }
}
