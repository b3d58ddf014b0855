using System.Globalization;

namespace ReMiT.Tasks.Gsm;

/// <summary>An inclusive range of operation counts, e.g. 2–10.</summary>
public readonly record struct GsmOpRange(int Min, int Max)
{
    public int Count => Max - Min + 1;

    public bool Contains(int op) => op >= Min && op <= Max;

    public override string ToString() => Min == Max ? Min.ToString(CultureInfo.InvariantCulture) : $"{Min}-{Max}";

    /// <summary>The op range of a split: Id 2–10, Edge 11–14, Hard 15–20.</summary>
    public static GsmOpRange Of(GsmSplit split) => split switch
    {
        GsmSplit.Id => new(2, 10),
        GsmSplit.Edge => new(11, 14),
        GsmSplit.Hard => new(15, 20),
        _ => throw new ArgumentOutOfRangeException(nameof(split), split, "unknown GSM split"),
    };

    /// <summary>"id", "edge", "hard" for ops inside a split, else "other".</summary>
    public static string SplitName(int op) =>
        Of(GsmSplit.Id).Contains(op) ? "id" : Of(GsmSplit.Edge).Contains(op) ? "edge" : Of(GsmSplit.Hard).Contains(op) ? "hard" : "other";

    /// <summary>Parses "id" / "edge" / "hard" (also "ood-edge", "ood-hard").</summary>
    public static GsmSplit ParseSplit(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "id" => GsmSplit.Id,
            "edge" or "ood-edge" => GsmSplit.Edge,
            "hard" or "ood-hard" => GsmSplit.Hard,
            _ => throw new ArgumentException($"unknown GSM split '{text}'; expected id, edge or hard", nameof(text)),
        };
    }

    /// <summary>Parses a split name, a single op ("7") or a range ("2-10").</summary>
    public static GsmOpRange Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        if (t.Length > 0 && char.IsAsciiLetter(t[0])) return Of(ParseSplit(t));
        var parts = t.Split('-');
        if (parts.Length is 1 or 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int min)
            && int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out int max)
            && min >= 1 && max >= min)
        {
            return new(min, max);
        }
        throw new ArgumentException($"invalid op range '{text}'; expected e.g. \"2-10\", \"7\", or a split name (id, edge, hard)", nameof(text));
    }
}
