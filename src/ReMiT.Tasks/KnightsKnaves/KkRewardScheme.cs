namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>
/// Reward per verdict. <see cref="NoAnswer"/> is paid instead of <see cref="Malformed"/> when the
/// response has no answer section at all (<see cref="KkJudgement.AnswerFound"/> is false).
/// </summary>
public sealed record KkRewardScheme(double Correct, double Wrong, double Malformed, double NoAnswer)
{
    /// <summary>1 for a correct answer, 0 otherwise.</summary>
    public static KkRewardScheme Binary { get; } = new(1, 0, 0, 0);

    /// <summary>
    /// Warm-up (arXiv 2505.13718)'s −2 / −1 / +2 / −0.5: +2 correct; −0.5 well-formed but wrong;
    /// −1 format error (an answer section whose lines are unparsable, name an unknown person, or miss or
    /// repeat someone); −2 no answer (no "CONCLUSION:"/&lt;answer&gt; section, or an empty one).
    /// </summary>
    public static KkRewardScheme WarmUp { get; } = new(Correct: 2, Wrong: -0.5, Malformed: -1, NoAnswer: -2);

    /// <summary>
    /// Logic-RL's totals, format reward ±1 plus answer reward +2 / −1.5 / −2: correct 1+2 = 3; wrong
    /// 1−1.5 = −0.5; answer present but unparsable 1−2 = −1; no answer −1−2 = −3.
    /// </summary>
    public static KkRewardScheme LogicRl { get; } = new(Correct: 3, Wrong: -0.5, Malformed: -1, NoAnswer: -3);

    /// <summary>Presets by name (case-insensitive): binary, warmup, logic-rl.</summary>
    public static KkRewardScheme Named(string name) => name.ToLowerInvariant() switch
    {
        "binary" => Binary,
        "warmup" or "warm-up" => WarmUp,
        "logicrl" or "logic-rl" => LogicRl,
        _ => throw new ArgumentException($"Unknown K&K reward scheme '{name}'; expected binary, warmup or logic-rl.", nameof(name)),
    };

    public double Reward(KkJudgement judgement) => judgement.Verdict switch
    {
        KkVerdict.Correct => Correct,
        KkVerdict.Wrong => Wrong,
        _ => judgement.AnswerFound ? Malformed : NoAnswer,
    };
}
