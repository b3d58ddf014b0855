namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>The chain of thought as head, one sentence per step, and foot; <see cref="Text"/> joins them.</summary>
public sealed record KkCot(string Head, IReadOnlyList<string> Steps, string Foot)
{
    public string Text => string.Join(" ", [Head, .. Steps, Foot]);
}

/// <summary>
/// Xie et al.'s backtracking chain of thought, step for step: depth-first over people, knight before
/// knave; after each accepted assumption the people that person mentions move to the front of the
/// queue; a partial assignment conflicts when some assigned person's statement (or its negation, for a
/// knave) has no completion over the unassigned people. Rendered with both claim repetitions on, as in
/// the published data (<c>repeat_claim_for_assumption</c> and <c>repeat_claim_for_contradiction</c>).
/// </summary>
public static class KkChainOfThought
{
    public const string Head =
        "Let's think step by step, by considering whether each person is lying and if that leads to contradiction.";

    public const string SuccessFoot = "This leads to a feasible solution.";
    public const string FailFoot = "All the configurations lead to contradictions.";

    /// <summary>The tape; its last step is <see cref="KkSuccess"/> or <see cref="KkFail"/>.</summary>
    public static IReadOnlyList<KkCotStep> Trace(IReadOnlyList<KkStatement> statements)
    {
        ArgumentNullException.ThrowIfNull(statements);
        var n = statements.Count;
        if (n is < 1 or > KkSolver.MaxPeople)
            throw new ArgumentOutOfRangeException(nameof(statements), n, $"Expected 1–{KkSolver.MaxPeople} people.");

        var tape = new List<KkCotStep>();
        var assignment = new bool?[n];
        // Options are popped from the end, so a knight is tried before a knave.
        var options = Enumerable.Range(0, n).Select(_ => new List<bool> { false, true }).ToArray();
        var order = Enumerable.Range(0, n).ToList();
        var cursor = 0;
        while (true)
        {
            if (cursor >= n)
            {
                tape.Add(new KkSuccess(assignment.Select(a => a!.Value).ToArray()));
                return tape;
            }

            if (options[order[cursor]].Count == 0)
            {
                var exhausted = new List<int>();
                while (cursor >= 0 && options[order[cursor]].Count == 0)
                {
                    options[order[cursor]].AddRange([false, true]);
                    assignment[order[cursor]] = null;
                    exhausted.Add(order[cursor]);
                    cursor--;
                }
                if (cursor < 0)
                {
                    tape.Add(new KkFail());
                    return tape;
                }
                tape.Add(new KkReconsider(order[cursor], exhausted));
            }

            var person = order[cursor];
            var choice = options[person][^1];
            options[person].RemoveAt(options[person].Count - 1);
            assignment[person] = choice;
            var conflict = FirstUnsatisfiable(statements, assignment);
            if (conflict is int c)
            {
                tape.Add(new KkProposal(person, choice, c, assignment[c]!.Value));
                continue;
            }
            tape.Add(new KkProposal(person, choice));
            cursor++;
            MoveMentionedToFront(order, cursor, statements[person].Mentions());
        }
    }

    /// <summary>The rendered chain of thought for a tape from <see cref="Trace"/>.</summary>
    public static KkCot Render(IReadOnlyList<string> names, IReadOnlyList<KkStatement> statements, IReadOnlyList<KkCotStep> tape)
    {
        if (names.Count != statements.Count)
            throw new ArgumentException($"names: expected one per statement ({statements.Count}), found {names.Count}.", nameof(names));
        if (tape.Count == 0 || tape[^1] is not (KkSuccess or KkFail))
            throw new ArgumentException("tape: expected a trace ending in success or fail.", nameof(tape));

        var steps = new List<string>(tape.Count - 1);
        foreach (var step in tape.Take(tape.Count - 1))
            steps.Add(step switch
            {
                KkProposal { IsOk: true } p =>
                    $"Assume {names[p.Person]} is {A(p.Knight)}. No contradiction is found in their " +
                    $"{(p.Knight ? "" : "false ")}claim that {KkText.Statement(names, statements[p.Person])}.",
                KkProposal p =>
                    $"{names[p.Person]} cannot be {A(p.Knight)}, because this would contradict the " +
                    $"{(p.ConflictWithKnight ? "" : "false ")}claim of " +
                    $"{(p.ConflictWith == p.Person ? "their own" : names[p.ConflictWith!.Value])} " +
                    $"that {KkText.Statement(names, statements[p.ConflictWith!.Value])}.",
                KkReconsider r =>
                    $"We have exhausted all possibilities for {List(r.Exhausted.Select(i => names[i]).ToArray())}, " +
                    $"so let us go back and reconsider {names[r.Person]}.",
                _ => throw new ArgumentException($"tape: unexpected {step.GetType().Name} before the last step.", nameof(tape)),
            });
        return new KkCot(Head, steps, tape[^1] is KkSuccess ? SuccessFoot : FailFoot);
    }

    /// <summary>Trace and render in one go.</summary>
    public static KkCot Generate(IReadOnlyList<string> names, IReadOnlyList<KkStatement> statements) =>
        Render(names, statements, Trace(statements));

    private static string A(bool knight) => knight ? "a knight" : "a knave";

    // "A", "A and B", "A, B, and C" — Xie et al.'s list of exhausted people.
    private static string List(string[] items) => items.Length switch
    {
        1 => items[0],
        2 => $"{items[0]} and {items[1]}",
        _ => string.Join(", ", items[..^1]) + ", and " + items[^1],
    };

    /// <summary>
    /// The first assigned person (by index) whose statement, or its negation for a knave, is false under
    /// every completion of the unassigned people; null when none. Each statement is checked on its own,
    /// not jointly, exactly as Xie et al.'s <c>can_be_falsified_v2</c>.
    /// </summary>
    internal static int? FirstUnsatisfiable(IReadOnlyList<KkStatement> statements, bool?[] assignment)
    {
        var n = statements.Count;
        var free = Enumerable.Range(0, n).Where(i => assignment[i] is null).ToArray();
        var satisfiable = new bool[n];
        Span<bool> knights = stackalloc bool[n];
        for (var i = 0; i < n; i++)
            knights[i] = assignment[i] ?? false;
        for (var m = 0; m < 1 << free.Length; m++)
        {
            for (var k = 0; k < free.Length; k++)
                knights[free[k]] = (m >> k & 1) == 1;
            for (var p = 0; p < n; p++)
                if (assignment[p] is bool role && !satisfiable[p] && statements[p].Evaluate(knights) == role)
                    satisfiable[p] = true;
        }
        for (var p = 0; p < n; p++)
            if (assignment[p] is not null && !satisfiable[p])
                return p;
        return null;
    }

    // Xie et al.'s _reorder_people_sequence: walking the mentions backwards (repeats included), each
    // still-unvisited person is moved to the front of the remaining queue.
    private static void MoveMentionedToFront(List<int> order, int start, IReadOnlyList<int> mentioned)
    {
        for (var k = mentioned.Count - 1; k >= 0; k--)
        {
            var idx = order.IndexOf(mentioned[k], start);
            if (idx < 0)
                continue;
            order.RemoveAt(idx);
            order.Insert(start, mentioned[k]);
        }
    }
}
