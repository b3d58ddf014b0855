namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>
/// Natural-language rendering in Xie et al.'s wording (mem-kk-logic <c>lib_kk.py</c>, knight/knave pair):
/// the question, the statement clauses and the answer lines.
/// </summary>
public static class KkText
{
    /// <summary>
    /// The 18 "saying" templates, in Xie et al.'s order ({0} = name, {1} = clause). The quirks are
    /// theirs and kept on purpose: template 2 puts the period inside the quotes, 0/1/9 quote nothing.
    /// </summary>
    public static IReadOnlyList<string> SayingTemplates { get; } =
    [
        "{0} said that {1}.",
        "{0} told you that {1}.",
        "{0} said, \"{1}.\"",
        "{0} stated, \"{1}\".",
        "According to {0}, \"{1}\".",
        "In {0}'s words: \"{1}\".",
        "{0} remarked, \"{1}\".",
        "\"{1},\" {0} declared.",
        "{0} was heard saying, \"{1}\".",
        "{0} expressed that {1}.",
        "\"{1}\" - {0}.",
        "As {0} put it, \"{1}\".",
        "{0} asserted: \"{1}\".",
        "\"{1},\" {0} mentioned.",
        "{0} commented, \"{1}\".",
        "In a statement by {0}: \"{1}\".",
        "{0} noted, \"{1}\".",
        "\"{1},\" {0} claimed.",
    ];

    private const string Prefix =
        "A very special island is inhabited only by knights and knaves. Knights always tell the truth, and knaves always lie. ";

    private const string Postfix = "So who is a knight and who is a knave?";

    /// <summary>"Grace is a knight" / "Grace is not a knave".</summary>
    public static string Claim(IReadOnlyList<string> names, KkClaim claim, bool negated = false) =>
        $"{names[claim.Person]} is {(negated ? "not " : "")}{(claim.IsKnight ? "a knight" : "a knave")}";

    /// <summary>
    /// A statement as a clause: "A is a knave and B is a knight", "If A is a knight then B is a knave",
    /// "A is a knight if and only if B is a knave", "A is not a knave". Depth ≤ 2 renders exactly as Xie et
    /// al.; their formatter cannot render deeper trees, so those get parentheses (our extension).
    /// </summary>
    public static string Statement(IReadOnlyList<string> names, KkStatement statement) => statement switch
    {
        KkClaim c => Claim(names, c),
        KkNot { Operand: KkClaim c } => Claim(names, c, negated: true),
        KkNot n => $"it is not the case that {Nested(names, n.Operand)}",
        KkJunction j => string.Join($" {j.Operator} ", j.Operands.Select(o => Nested(names, o))),
        KkImplies i => $"If {Nested(names, i.If)} then {Nested(names, i.Then)}",
        KkIff e => $"{Nested(names, e.Left)} if and only if {Nested(names, e.Right)}",
        _ => throw new ArgumentException($"Unsupported statement node {statement.GetType().Name}.", nameof(statement)),
    };

    private static string Nested(IReadOnlyList<string> names, KkStatement s) =>
        s is KkClaim c ? Claim(names, c) : $"({Statement(names, s)})";

    /// <summary>One person's sentence, e.g. <c>According to Elizabeth, "Grace is not a knave".</c></summary>
    public static string Saying(string name, string clause, int template)
    {
        if ((uint)template >= (uint)SayingTemplates.Count)
            throw new ArgumentOutOfRangeException(nameof(template), template, $"Expected a template index in 0–{SayingTemplates.Count - 1}.");
        return string.Format(System.Globalization.CultureInfo.InvariantCulture, SayingTemplates[template], name, clause);
    }

    /// <summary>
    /// The full question. <paramref name="templates"/>[i] picks person i's saying template. Names are
    /// listed as Xie et al. do, with ", and " even for two people ("A, and B").
    /// </summary>
    public static string Question(IReadOnlyList<string> names, IReadOnlyList<KkStatement> statements, IReadOnlyList<int> templates)
    {
        CheckCounts(names, statements.Count, nameof(statements));
        CheckCounts(names, templates.Count, nameof(templates));
        var sb = new System.Text.StringBuilder(Prefix);
        sb.Append($"You meet {names.Count} inhabitants: ");
        sb.Append(string.Join(", ", names.Take(names.Count - 1))).Append(", and ").Append(names[^1]).Append('.');
        for (var i = 0; i < names.Count; i++)
            sb.Append(' ').Append(Saying(names[i], Statement(names, statements[i]), templates[i]));
        return sb.Append(' ').Append(Postfix).ToString();
    }

    /// <summary>Answer lines as Logic-RL writes them: "(1) Elizabeth is a knave\n(2) Grace is a knight".</summary>
    public static string SolutionText(IReadOnlyList<string> names, IReadOnlyList<bool> solution)
    {
        CheckCounts(names, solution.Count, nameof(solution));
        return string.Join("\n", names.Select((n, i) => $"({i + 1}) {n} is {(solution[i] ? "a knight" : "a knave")}"));
    }

    /// <summary>Xie et al.'s one-sentence answer: "A is a knave, B is a knight, and C is a knave."</summary>
    public static string SolutionSentence(IReadOnlyList<string> names, IReadOnlyList<bool> solution)
    {
        CheckCounts(names, solution.Count, nameof(solution));
        var parts = names.Select((n, i) => $"{n} is {(solution[i] ? "a knight" : "a knave")}").ToArray();
        return string.Join(", ", parts[..^1]) + ", and " + parts[^1] + ".";
    }

    private static void CheckCounts(IReadOnlyList<string> names, int count, string what)
    {
        if (names.Count < 2)
            throw new ArgumentException($"names: expected at least 2 people, found {names.Count}.", nameof(names));
        if (count != names.Count)
            throw new ArgumentException($"{what}: expected one per person ({names.Count}), found {count}.", what);
    }
}
