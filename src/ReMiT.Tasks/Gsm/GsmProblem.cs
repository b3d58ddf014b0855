namespace ReMiT.Tasks.Gsm;

/// <summary>
/// One generated problem. <see cref="Text"/> is the full pre-training document
/// "&lt;question&gt; … &lt;/question&gt; &lt;solution&gt; … &lt;/solution&gt; &lt;answer&gt; N &lt;/answer&gt;",
/// <see cref="Prompt"/> its prefix up to and including "&lt;solution&gt;" (the RL prompt), and
/// <see cref="GoldSolution"/> the trace followed by "Answer: N." (the reward's gold solution).
/// </summary>
public sealed record GsmProblem(
    int Op,
    GsmTemplate Template,
    GsmMode Mode,
    string Problem,
    string Question,
    string Solution,
    string Answer,
    IReadOnlyList<GsmQuantity> Graph)
{
    public string GoldSolution => $"{Solution} Answer: {Answer}.";

    public string Prompt => $"<question> {Problem}{Question} </question> <solution>";

    public string Text => $"{Prompt} {Solution} </solution> <answer> {Answer} </answer>";

    /// <summary>The ideal response: what a model should write after the prompt.</summary>
    public string GoldResponse => $"{Solution} </solution> <answer> {Answer} </answer>";

    public string Split => GsmOpRange.SplitName(Op);
}
