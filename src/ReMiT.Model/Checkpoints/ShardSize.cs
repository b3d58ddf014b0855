using System.Globalization;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// Parses a shard size the way transformers' <c>max_shard_size</c> does: an integer byte count, or a
/// number with a unit, decimal (KB, MB, GB = 10³, 10⁶, 10⁹ bytes) or binary (KiB, MiB, GiB = 2¹⁰, 2²⁰, 2³⁰).
/// </summary>
public static class ShardSize
{
    private static readonly (string Unit, long Bytes)[] Units =
    [
        ("KIB", 1L << 10), ("MIB", 1L << 20), ("GIB", 1L << 30), ("TIB", 1L << 40),
        ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000), ("B", 1),
    ];

    /// <exception cref="ArgumentException">The text is not a positive size.</exception>
    public static long Parse(string text)
    {
        string t = text.Trim().ToUpperInvariant();
        long unit = 1;
        foreach (var (name, bytes) in Units)
            if (t.EndsWith(name, StringComparison.Ordinal))
            {
                (t, unit) = (t[..^name.Length].Trim(), bytes);
                break;
            }
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !(value > 0) || value * unit > long.MaxValue)
            throw new ArgumentException($"shard size '{text}' is not a positive size; write e.g. 5GB, 500MB, 2GiB or a byte count.");
        return (long)(value * unit);
    }
}
