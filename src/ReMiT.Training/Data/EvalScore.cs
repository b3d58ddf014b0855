namespace ReMiT.Training.Data;

/// <summary>One difficulty's result: accuracy and mean reward over its items, with the most-common-answer baseline beside it.</summary>
public sealed record EvalScore(int Difficulty, int Items, int Correct, double MeanReward, AnswerBaseline Baseline)
{
    public double Accuracy => Items == 0 ? 0 : (double)Correct / Items;
}
