namespace ReMiT.Cli.Commands;

/// <summary>Parses "A-B" or "A" integer ranges given on the command line (--ops 2-10, --people 3).</summary>
internal static class RangeOption
{
    public static (int Min, int Max) Parse(string text, string option, int lowest, int highest)
    {
        string[] parts = text.Split('-', StringSplitOptions.TrimEntries);
        bool ok = parts.Length is 1 or 2;
        int min = 0, max = 0;
        ok = ok && int.TryParse(parts[0], out min);
        max = min;
        ok = ok && (parts.Length == 1 || int.TryParse(parts[1], out max));
        if (!ok || min > max)
            throw new ArgumentException($"{option} '{text}': expected a range like {lowest}-{highest} or a single number.");
        if (min < lowest || max > highest)
            throw new ArgumentException($"{option} '{text}': must lie within {lowest}-{highest}.");
        return (min, max);
    }
}
