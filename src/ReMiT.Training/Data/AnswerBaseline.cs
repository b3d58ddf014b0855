namespace ReMiT.Training.Data;

/// <summary>
/// The accuracy of always answering the most frequent gold answer among one difficulty's eval items:
/// the floor an accuracy must beat to show any reasoning (reported beside every accuracy).
/// </summary>
/// <param name="Answer">The most frequent gold answer (ties: the ordinally smallest).</param>
/// <param name="Count">How many items have that answer.</param>
/// <param name="Items">Items of this difficulty.</param>
public sealed record AnswerBaseline(int Difficulty, string Answer, int Count, int Items)
{
    public double Accuracy => Items == 0 ? 0 : (double)Count / Items;
}
