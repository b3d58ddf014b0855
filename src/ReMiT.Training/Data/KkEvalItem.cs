using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Training.Data;

/// <summary>A Knights &amp; Knaves puzzle judged by <see cref="KkVerifier"/>, rewarded by <see cref="Scheme"/>.</summary>
public sealed record KkEvalItem : EvalItem
{
    public KkEvalItem(KkPuzzle puzzle, KkRewardScheme? scheme = null)
        : this(KkCorpusSource.ToDocument(puzzle ?? throw new ArgumentNullException(nameof(puzzle)), "kk"), puzzle, scheme ?? KkRewardScheme.Binary)
    {
    }

    private KkEvalItem(Document document, KkPuzzle puzzle, KkRewardScheme scheme)
        : base("kk", puzzle.PeopleCount, document.Prompt, document.Answer, document.Completion)
    {
        Puzzle = puzzle;
        Scheme = scheme;
    }

    public KkPuzzle Puzzle { get; }

    /// <summary>Reward per verdict; <see cref="KkRewardScheme.Binary"/> unless given.</summary>
    public KkRewardScheme Scheme { get; }

    public override EvalVerdict Verify(string completion)
    {
        ArgumentNullException.ThrowIfNull(completion);
        var judgement = KkVerifier.Judge(completion, Puzzle.Names, Puzzle.Solution);
        return new EvalVerdict(judgement.IsCorrect, Scheme.Reward(judgement));
    }
}
