namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>One entry of the backtracking tape (Xie et al.'s <c>generate_chain_of_thoughts</c>).</summary>
public abstract record KkCotStep
{
    private protected KkCotStep() { }
}

/// <summary>
/// Person <see cref="Person"/> is tried as a knight (<see cref="Knight"/>) or knave. When
/// <see cref="ConflictWith"/> is set, that person's statement (true if they are a knight, false if a
/// knave, per <see cref="ConflictWithKnight"/>) cannot hold for any completion, so the proposal fails.
/// </summary>
public sealed record KkProposal(int Person, bool Knight, int? ConflictWith = null, bool ConflictWithKnight = false) : KkCotStep
{
    public bool IsOk => ConflictWith is null;
}

/// <summary>Every option of <see cref="Exhausted"/> (innermost first) failed; go back to <see cref="Person"/>.</summary>
public sealed record KkReconsider(int Person, IReadOnlyList<int> Exhausted) : KkCotStep;

/// <summary>Last step: everyone is assigned consistently.</summary>
public sealed record KkSuccess(IReadOnlyList<bool> Assignment) : KkCotStep;

/// <summary>Last step: every configuration leads to a contradiction.</summary>
public sealed record KkFail : KkCotStep;
