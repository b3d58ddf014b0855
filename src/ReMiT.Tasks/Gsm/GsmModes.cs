namespace ReMiT.Tasks.Gsm;

/// <summary>Names of <see cref="GsmMode"/> as GSM-Infinite writes them, and parsing.</summary>
public static class GsmModes
{
    public static IReadOnlyList<GsmMode> All { get; } = [GsmMode.Forward, GsmMode.Reverse];

    /// <summary>"normalforward" or "forwardreverse", as in the Interplay data.</summary>
    public static string FixtureName(GsmMode mode) => mode switch
    {
        GsmMode.Forward => "normalforward",
        GsmMode.Reverse => "forwardreverse",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown GSM mode"),
    };

    /// <summary>Accepts forward/normalforward and reverse/forwardreverse, case-insensitively.</summary>
    public static GsmMode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Trim().ToLowerInvariant() switch
        {
            "forward" or "normalforward" => GsmMode.Forward,
            "reverse" or "forwardreverse" => GsmMode.Reverse,
            _ => throw new ArgumentException(
                $"unknown GSM mode '{text}'; expected forward (normalforward) or reverse (forwardreverse)", nameof(text)),
        };
    }
}
