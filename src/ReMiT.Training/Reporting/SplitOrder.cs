using System.Text.RegularExpressions;

namespace ReMiT.Training.Reporting;

/// <summary>
/// Orders split names the way the experiments read: id, edge, hard first, then the rest by their text
/// and number (op2 before op10, people3 before people4).
/// </summary>
internal sealed partial class SplitOrder : IComparer<string>
{
    public static readonly SplitOrder Instance = new();

    private static readonly string[] Known = ["id", "edge", "hard"];

    public int Compare(string? a, string? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return -1;
        if (b is null) return 1;
        int ka = Array.IndexOf(Known, a), kb = Array.IndexOf(Known, b);
        if (ka >= 0 || kb >= 0) return (ka < 0 ? int.MaxValue : ka).CompareTo(kb < 0 ? int.MaxValue : kb);
        var (pa, na) = Split(a);
        var (pb, nb) = Split(b);
        int byPrefix = string.CompareOrdinal(pa, pb);
        if (byPrefix != 0) return byPrefix;
        if (na != nb) return (na ?? long.MinValue).CompareTo(nb ?? long.MinValue);
        return string.CompareOrdinal(a, b);
    }

    /// <summary>"op12" → ("op", 12); "people4" → ("people", 4); "test" → ("test", null).</summary>
    public static (string Prefix, long? Number) Split(string name)
    {
        var m = TrailingNumber().Match(name);
        return m.Success && long.TryParse(m.Groups[2].Value, out long n) ? (m.Groups[1].Value, n) : (name, null);
    }

    [GeneratedRegex(@"^(.*?)(\d+)$")]
    private static partial Regex TrailingNumber();
}
