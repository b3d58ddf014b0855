namespace ReMiT.Tasks.Gsm;

/// <summary>
/// A quantity the solution needs, in solving order (GSM-Infinite's generator_topo): its name, whether
/// it is an "instance" (stated) or "abstract" (a location total), the trace letter, its value, and
/// what it is computed from, with <see cref="Constant"/> standing for a number in its definition.
/// Its operation count is max(1, DependsOn.Count).
/// </summary>
public sealed record GsmQuantity(string Name, string Kind, string Variable, long Value, IReadOnlyList<string> DependsOn)
{
    /// <summary>The dependency marker for a random constant (GSM-Infinite calls it "RNG").</summary>
    public const string Constant = "RNG";
}
