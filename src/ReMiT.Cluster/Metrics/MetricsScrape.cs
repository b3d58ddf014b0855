using System.Text.RegularExpressions;

namespace ReMiT.Cluster.Metrics;

/// <summary>Reads the metric family names the nodes actually serve (for results.json's cluster section).</summary>
public static partial class MetricsScrape
{
    [GeneratedRegex(@"^(remit_[a-z0-9_]+?)(?:_bucket|_sum|_count)?(?:\{| )", RegexOptions.Multiline)]
    private static partial Regex Sample();

    /// <summary>Family names in the exposition text that carry a sample.</summary>
    public static IEnumerable<string> Names(string exposition) =>
        Sample().Matches(exposition).Select(m => m.Groups[1].Value).Distinct();

    /// <summary>
    /// Scrapes every endpoint's /metrics (a node that cannot be reached is skipped) and adds this
    /// node's own; returns the sorted union of family names seen.
    /// </summary>
    public static async Task<IReadOnlyList<string>> FamilyNamesAsync(IEnumerable<(string Host, int Port)> endpoints, RemitMetrics own)
    {
        var names = new SortedSet<string>(Names(own.ExportText()), StringComparer.Ordinal);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(3) };
        foreach (var (host, port) in endpoints)
        {
            try { names.UnionWith(Names(await http.GetStringAsync($"http://{host}:{port}/metrics"))); }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
        }
        return names.ToList();
    }
}
