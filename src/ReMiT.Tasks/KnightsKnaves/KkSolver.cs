namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>Result of <see cref="KkSolver.Solve"/>: the first solution (null when none) and how many exist.</summary>
public sealed record KkSolveResult(IReadOnlyList<bool>? Solution, int Count)
{
    public bool IsUnique => Count == 1;
}

/// <summary>
/// Brute force over all 2^n assignments: an assignment is a solution iff every person's statement
/// is true exactly when that person is a knight.
/// </summary>
public static class KkSolver
{
    /// <summary>2^n assignments stay cheap up to here; Xie et al. use at most 8 people.</summary>
    public const int MaxPeople = 16;

    /// <summary>
    /// Every solution, in Xie et al.'s enumeration order (<c>itertools.product([True, False])</c>:
    /// all-knights first, the last person varying fastest), so "the first solution" agrees with theirs.
    /// </summary>
    public static IReadOnlyList<bool[]> AllSolutions(IReadOnlyList<KkStatement> statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var n = statements.Count;
        if (n is < 1 or > MaxPeople)
            throw new ArgumentOutOfRangeException(nameof(statements), n, $"Expected 1–{MaxPeople} people.");
        var solutions = new List<bool[]>();
        Span<bool> knights = stackalloc bool[n];
        for (var m = 0; m < 1 << n; m++)
        {
            for (var i = 0; i < n; i++)
                knights[i] = (m >> (n - 1 - i) & 1) == 0;
            if (IsConsistent(statements, knights))
                solutions.Add(knights.ToArray());
        }
        return solutions;
    }

    /// <summary>The first solution and the number of solutions.</summary>
    public static KkSolveResult Solve(IReadOnlyList<KkStatement> statements)
    {
        var all = AllSolutions(statements);
        return new KkSolveResult(all.Count > 0 ? all[0] : null, all.Count);
    }

    /// <summary>True iff the puzzle has exactly one solution.</summary>
    public static bool IsUniquelySolvable(IReadOnlyList<KkStatement> statements) => Solve(statements).IsUnique;

    /// <summary>Knights tell the truth and knaves lie, for everyone at once.</summary>
    public static bool IsConsistent(IReadOnlyList<KkStatement> statements, ReadOnlySpan<bool> knights)
    {
        for (var i = 0; i < statements.Count; i++)
            if (statements[i].Evaluate(knights) != knights[i])
                return false;
        return true;
    }
}
