namespace ReMiT.Training.Data;

/// <summary>The judgement of one completion: exact correctness and the task's reward.</summary>
public readonly record struct EvalVerdict(bool Correct, double Reward);

/// <summary>
/// One evaluation problem: what the model is given, the gold answer and response, and how a
/// completion (the model's text after <see cref="Prompt"/>) is judged.
/// </summary>
/// <param name="Task">"gsm" or "kk".</param>
/// <param name="Difficulty">GSM: operation count; K&amp;K: number of people.</param>
/// <param name="Answer">The gold final answer; the most-common-answer baseline counts these.</param>
/// <param name="GoldResponse">A completion that is judged correct (Prompt + GoldResponse is the training text).</param>
public abstract record EvalItem(string Task, int Difficulty, string Prompt, string Answer, string GoldResponse)
{
    public abstract EvalVerdict Verify(string completion);
}
