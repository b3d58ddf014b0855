namespace ReMiT.Tasks.Gsm;

/// <summary>
/// Rewards for one response: <paramref name="Outcome"/> (exact answer match, 0 or 1),
/// <paramref name="Process"/> (graph agreement with the gold trace, 0..1) and
/// <paramref name="Combined"/> (0.2·outcome + 0.8·process, zero unless the answer is right).
/// </summary>
public sealed record GsmReward(double Outcome, double Process, double Combined)
{
    /// <summary>The graph comparison behind <see cref="Process"/>; null when the gold trace was empty.</summary>
    public GraphComparison? Comparison { get; init; }
}
