namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>
/// A uniquely solvable Knights &amp; Knaves puzzle: who says what, how each saying is phrased, and the
/// derived question, answer lines and chain of thought.
/// </summary>
public sealed class KkPuzzle
{
    private KkCot? _cot;

    /// <param name="names">Distinct names, one per person.</param>
    /// <param name="statements">Person i's statement at index i.</param>
    /// <param name="templates">Person i's saying template (index into <see cref="KkText.SayingTemplates"/>).</param>
    /// <exception cref="ArgumentException">Counts differ, names repeat, or the puzzle has no unique solution.</exception>
    public KkPuzzle(IReadOnlyList<string> names, IReadOnlyList<KkStatement> statements, IReadOnlyList<int> templates)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(templates);
        if (names.Count < 2)
            throw new ArgumentException($"names: expected at least 2 people, found {names.Count}.", nameof(names));
        if (statements.Count != names.Count)
            throw new ArgumentException($"statements: expected one per person ({names.Count}), found {statements.Count}.", nameof(statements));
        if (templates.Count != names.Count)
            throw new ArgumentException($"templates: expected one per person ({names.Count}), found {templates.Count}.", nameof(templates));
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Count)
            throw new ArgumentException($"names: expected distinct names, found [{string.Join(", ", names)}].", nameof(names));
        for (var i = 0; i < statements.Count; i++)
            if (statements[i].Mentions().FirstOrDefault(p => p >= names.Count, -1) is var bad and >= 0)
                throw new ArgumentException($"statements[{i}]: person index {bad} is out of range for {names.Count} people.", nameof(statements));
        foreach (var t in templates)
            if ((uint)t >= (uint)KkText.SayingTemplates.Count)
                throw new ArgumentException($"templates: index {t} is outside 0–{KkText.SayingTemplates.Count - 1}.", nameof(templates));

        var solved = KkSolver.Solve(statements);
        if (!solved.IsUnique)
            throw new ArgumentException(
                $"statements: a puzzle needs exactly one solution, found {solved.Count}: {string.Join(", ", statements.Select(s => s.ToPython()))}.",
                nameof(statements));
        Names = names.ToArray();
        Statements = statements.ToArray();
        Templates = templates.ToArray();
        Solution = solved.Solution!;
    }

    public int PeopleCount => Names.Count;
    public IReadOnlyList<string> Names { get; }
    public IReadOnlyList<KkStatement> Statements { get; }
    public IReadOnlyList<int> Templates { get; }

    /// <summary>The unique solution; true = knight.</summary>
    public IReadOnlyList<bool> Solution { get; }

    /// <summary>Deepest statement (a leaf is 1).</summary>
    public int Depth => Statements.Max(s => s.Depth);

    public string Question => KkText.Question(Names, Statements, Templates);

    /// <summary>"(1) Name is a knight" lines.</summary>
    public string SolutionText => KkText.SolutionText(Names, Solution);

    /// <summary>The backtracking chain of thought (computed once).</summary>
    public KkCot Cot => _cot ??= KkChainOfThought.Generate(Names, Statements);
}
