namespace ReMiT.Training.Data;

/// <summary>
/// One generated training document. <paramref name="Text"/> is exactly
/// <paramref name="Prompt"/> + <paramref name="Completion"/>, so SFT masking can cut at the prompt.
/// </summary>
/// <param name="Source">The name of the corpus source that produced it (e.g. "gsm 2-10").</param>
/// <param name="Prompt">What a model is given: up to and including "&lt;solution&gt;" (GSM), the question and a blank line (K&amp;K).</param>
/// <param name="Completion">What a model should write after the prompt.</param>
/// <param name="Text">The full pre-training text.</param>
/// <param name="Answer">The gold final answer (GSM: the number; K&amp;K: the "(1) Name is a knight" lines).</param>
/// <param name="Difficulty">GSM: the operation count; K&amp;K: the number of people.</param>
public sealed record Document(string Source, string Prompt, string Completion, string Text, string Answer, int Difficulty);
