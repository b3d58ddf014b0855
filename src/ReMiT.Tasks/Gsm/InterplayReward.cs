namespace ReMiT.Tasks.Gsm;

/// <summary>
/// Interplay's <c>verl/reward_fn.py:compute_score_with_step_process</c> (answer weight 0.2, step
/// weight 0.8, tolerance 1e-6) and its <c>_strict</c> variant. See DESIGN Appendix A.
/// </summary>
public static class InterplayReward
{
    public const double AnswerWeight = 0.2;
    public const double StepWeight = 0.8;
    public const double ValueTolerance = 1e-6;

    /// <summary>
    /// Score <paramref name="response"/> (the model's text after <c>&lt;solution&gt;</c>) against the
    /// gold trace <paramref name="goldSolution"/> (ending "Answer: N.") and gold answer.
    /// With <paramref name="strict"/>, a right answer reached through a mismatching graph scores 0.
    /// </summary>
    public static GsmReward Score(string goldSolution, string goldAnswer, string response, bool strict = false)
    {
        ArgumentNullException.ThrowIfNull(goldSolution);
        ArgumentNullException.ThrowIfNull(goldAnswer);
        ArgumentNullException.ThrowIfNull(response);

        // Python tests `if gold_answer:`, so only the empty string disables the outcome; " " does not.
        double outcome = goldAnswer.Length > 0
            && GsmAnswer.Normalise(GsmAnswer.ExtractTagged(response)) == GsmAnswer.Normalise(goldAnswer) ? 1.0 : 0.0;

        double process;
        bool mismatch;
        GraphComparison? comparison = null;
        if (PyText.Strip(goldSolution).Length > 0)
        {
            // Interplay wraps both parses in try/except; this parser does not throw on any text, so
            // the "unparsable response ⇒ 0" branch reduces to a graph with no steps, which scores 0
            // through the missing-node penalty.
            comparison = SolutionGraph.Parse(goldSolution).Compare(SolutionGraph.Parse(response), ValueTolerance);
            process = comparison.ProcessReward;
            mismatch = comparison.Penalty > 0;
        }
        else
        {
            // No gold trace: fall back to the outcome.
            process = outcome;
            mismatch = false;
        }

        double combined = Math.Clamp(AnswerWeight * outcome + StepWeight * process, 0.0, 1.0);
        if (outcome < 1.0) combined = 0.0;
        if (strict && comparison is not null && outcome >= 1.0 && mismatch) combined = 0.0;
        return new GsmReward(outcome, process, combined) { Comparison = comparison };
    }
}
