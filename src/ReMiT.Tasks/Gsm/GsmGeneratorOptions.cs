namespace ReMiT.Tasks.Gsm;

/// <summary>Knobs of <see cref="GsmGenerator"/>; the defaults imitate the Interplay data.</summary>
public sealed record GsmGeneratorOptions
{
    /// <summary>Stated leaf values are drawn from 1..MaxLeafValue.</summary>
    public int MaxLeafValue { get; init; } = 4;

    /// <summary>Constants in "N plus …" are 1..MaxConstant and in "N times …" 2..MaxConstant.</summary>
    public int MaxConstant { get; init; } = 4;

    /// <summary>Every quantity the solution computes must lie in 0..MaxValue; problems that break this are redrawn.</summary>
    public long MaxValue { get; init; } = 999;

    /// <summary>Unneeded statements added on top of those the construction leaves behind, at most.</summary>
    public int MaxExtraDistractors { get; init; } = 4;

    /// <summary>Attempts before giving up on an op count (each attempt is cheap).</summary>
    public int MaxAttempts { get; init; } = 10_000;

    internal void Validate()
    {
        if (MaxLeafValue < 1) throw new ArgumentOutOfRangeException(nameof(MaxLeafValue), MaxLeafValue, "must be >= 1");
        if (MaxConstant < 2) throw new ArgumentOutOfRangeException(nameof(MaxConstant), MaxConstant, "must be >= 2");
        if (MaxValue < MaxLeafValue) throw new ArgumentOutOfRangeException(nameof(MaxValue), MaxValue, "must be >= MaxLeafValue");
        if (MaxExtraDistractors < 0) throw new ArgumentOutOfRangeException(nameof(MaxExtraDistractors), MaxExtraDistractors, "must be >= 0");
        if (MaxAttempts < 1) throw new ArgumentOutOfRangeException(nameof(MaxAttempts), MaxAttempts, "must be >= 1");
    }
}
