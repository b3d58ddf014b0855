using ReMiT.Tasks.Gsm;

namespace ReMiT.Training.Data;

/// <summary>
/// A GSM problem judged by Interplay's reward: correct when the outcome reward is 1 (exact answer),
/// reward = 0.2·outcome + 0.8·process (0 when the answer is wrong).
/// </summary>
public sealed record GsmEvalItem(GsmProblem Problem)
    : EvalItem("gsm", Problem.Op, Problem.Prompt, Problem.Answer, " " + Problem.GoldResponse)
{
    public override EvalVerdict Verify(string completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var reward = InterplayReward.Score(Problem.GoldSolution, Problem.Answer, completion);
        return new EvalVerdict(reward.Outcome == 1.0, reward.Combined);
    }
}
