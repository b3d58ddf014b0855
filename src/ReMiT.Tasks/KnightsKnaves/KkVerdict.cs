namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>How a model's answer to a puzzle is judged.</summary>
public enum KkVerdict
{
    /// <summary>Every person named exactly once, each with the right role.</summary>
    Correct,

    /// <summary>Well-formed (everyone named exactly once) but some role is wrong.</summary>
    Wrong,

    /// <summary>No answer section, or a person missing or named twice, an unknown name, an unparsable line.</summary>
    Malformed,
}

/// <summary>
/// A verdict and, when not correct, what was wrong. <see cref="AnswerFound"/> is false when the response
/// has no answer section at all (no "CONCLUSION:" or &lt;answer&gt; block, or an empty one), which some
/// reward schemes punish harder than a badly formatted answer.
/// </summary>
public sealed record KkJudgement(KkVerdict Verdict, string? Problem = null, bool AnswerFound = true)
{
    public bool IsCorrect => Verdict == KkVerdict.Correct;

    /// <summary>Lower-case name for JSON: "correct", "wrong" or "malformed".</summary>
    public string VerdictName => Verdict switch
    {
        KkVerdict.Correct => "correct",
        KkVerdict.Wrong => "wrong",
        _ => "malformed",
    };
}
