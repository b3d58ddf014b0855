using ReMiT.Tasks.Gsm;

namespace ReMiT.Training.Data;

/// <summary>A completion judged at both correctness levels, with the solution's step count (GSM).</summary>
/// <param name="Answer">Final answer right (K&amp;K: the right assignment).</param>
/// <param name="Strict">Answer right and Interplay's process reward 1 (K&amp;K: equal to <paramref name="Answer"/>).</param>
/// <param name="Steps">GSM: "Define … as X;" steps parsed from the completion; null for K&amp;K.</param>
public readonly record struct EvalJudgement(bool Answer, bool Strict, int? Steps);

/// <summary>
/// Judges eval completions at Interplay's two levels (DESIGN appendix A): <c>answer</c> is the outcome
/// reward; <c>strict</c> also needs the process reward — the dependency graph of the completion matching
/// the gold one — to be 1, so naming the wrong quantity and landing on the answer does not count.
/// </summary>
public static class EvalJudge
{
    public static EvalJudgement Judge(EvalItem item, string completion)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(completion);
        if (item is GsmEvalItem g)
        {
            var reward = InterplayReward.Score(g.Problem.GoldSolution, g.Problem.Answer, completion);
            bool answer = reward.Outcome == 1.0;
            return new EvalJudgement(answer, answer && reward.Process == 1.0, SolutionGraph.Parse(completion).StepCount);
        }
        bool correct = item.Verify(completion).Correct;
        return new EvalJudgement(correct, correct, null);
    }

    /// <summary>GSM: the gold solution's step count; null for other tasks.</summary>
    public static int? GoldSteps(EvalItem item) =>
        item is GsmEvalItem g ? SolutionGraph.Parse(g.Problem.GoldSolution).StepCount : null;
}
