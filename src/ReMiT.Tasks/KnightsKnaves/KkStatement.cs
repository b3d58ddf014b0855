using System.Collections.Immutable;

namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>
/// A Knights &amp; Knaves statement tree (Xie et al., arXiv 2410.23123): leaves say "person i is a
/// knight/knave"; inner nodes are not / and / or (n-ary) / → / ⇔. Immutable, structural equality.
/// </summary>
/// <remarks>
/// Depth follows Xie et al.'s <c>depth_constraint</c>: a leaf has depth 1, so the generator's
/// "depth ≤ 2" means one operator over leaves. The small node records share this file (STYLE).
/// </remarks>
public abstract record KkStatement
{
    private protected KkStatement() { }

    /// <summary>Truth value when person i is a knight iff <c>knights[i]</c>.</summary>
    public abstract bool Evaluate(ReadOnlySpan<bool> knights);

    /// <summary>Nesting depth; a leaf is 1.</summary>
    public abstract int Depth { get; }

    /// <summary>Persons named by the leaves, left to right, repeats kept (the CoT's reordering uses them).</summary>
    public IReadOnlyList<int> Mentions()
    {
        var into = new List<int>();
        CollectMentions(into);
        return into;
    }

    internal abstract void CollectMentions(List<int> into);

    /// <summary>The Python tuple form Xie et al. print (<c>statements_str</c>), e.g. <c>('not', ('lying', 1))</c>.</summary>
    public abstract string ToPython();

    public static KkStatement Knight(int person) => new KkClaim(person, IsKnight: true);
    public static KkStatement Knave(int person) => new KkClaim(person, IsKnight: false);
}

/// <summary>Leaf: <c>("telling-truth", i)</c> when <see cref="IsKnight"/>, else <c>("lying", i)</c>.</summary>
public sealed record KkClaim(int Person, bool IsKnight) : KkStatement
{
    public int Person { get; } = Person >= 0
        ? Person
        : throw new ArgumentOutOfRangeException(nameof(Person), Person, "A person index must be ≥ 0.");

    public override bool Evaluate(ReadOnlySpan<bool> knights) => knights[Person] == IsKnight;
    public override int Depth => 1;
    internal override void CollectMentions(List<int> into) => into.Add(Person);
    public override string ToPython() => $"('{(IsKnight ? "telling-truth" : "lying")}', {Person})";
}

public sealed record KkNot(KkStatement Operand) : KkStatement
{
    public override bool Evaluate(ReadOnlySpan<bool> knights) => !Operand.Evaluate(knights);
    public override int Depth => 1 + Operand.Depth;
    internal override void CollectMentions(List<int> into) => Operand.CollectMentions(into);
    public override string ToPython() => $"('not', {Operand.ToPython()})";
}

/// <summary>n-ary and/or; equality compares operands element-wise (ImmutableArray alone compares by reference).</summary>
public abstract record KkJunction : KkStatement
{
    private protected KkJunction(ImmutableArray<KkStatement> operands, string op)
    {
        if (operands.IsDefault || operands.Length < 2)
            throw new ArgumentException(
                $"'{op}' needs at least 2 operands, got {(operands.IsDefault ? 0 : operands.Length)}.", nameof(operands));
        Operands = operands;
    }

    public ImmutableArray<KkStatement> Operands { get; }

    /// <summary>Operator name as in the JSON/Python form: "and" or "or".</summary>
    public abstract string Operator { get; }

    public override int Depth => 1 + Operands.Max(o => o.Depth);

    internal override void CollectMentions(List<int> into)
    {
        foreach (var o in Operands)
            o.CollectMentions(into);
    }

    public override string ToPython() =>
        $"('{Operator}', {string.Join(", ", Operands.Select(o => o.ToPython()))})";

    public virtual bool Equals(KkJunction? other) =>
        other is not null && EqualityContract == other.EqualityContract && Operands.SequenceEqual(other.Operands);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(EqualityContract);
        foreach (var o in Operands)
            h.Add(o);
        return h.ToHashCode();
    }
}

public sealed record KkAnd : KkJunction
{
    public KkAnd(ImmutableArray<KkStatement> operands) : base(operands, "and") { }
    public KkAnd(params KkStatement[] operands) : this(operands.ToImmutableArray()) { }

    public override string Operator => "and";

    public override bool Evaluate(ReadOnlySpan<bool> knights)
    {
        foreach (var o in Operands)
            if (!o.Evaluate(knights))
                return false;
        return true;
    }
}

public sealed record KkOr : KkJunction
{
    public KkOr(ImmutableArray<KkStatement> operands) : base(operands, "or") { }
    public KkOr(params KkStatement[] operands) : this(operands.ToImmutableArray()) { }

    public override string Operator => "or";

    public override bool Evaluate(ReadOnlySpan<bool> knights)
    {
        foreach (var o in Operands)
            if (o.Evaluate(knights))
                return true;
        return false;
    }
}

/// <summary><c>("->", If, Then)</c>.</summary>
public sealed record KkImplies(KkStatement If, KkStatement Then) : KkStatement
{
    public override bool Evaluate(ReadOnlySpan<bool> knights) => !If.Evaluate(knights) || Then.Evaluate(knights);
    public override int Depth => 1 + Math.Max(If.Depth, Then.Depth);

    internal override void CollectMentions(List<int> into)
    {
        If.CollectMentions(into);
        Then.CollectMentions(into);
    }

    public override string ToPython() => $"('->', {If.ToPython()}, {Then.ToPython()})";
}

/// <summary><c>("&lt;=&gt;", Left, Right)</c>.</summary>
public sealed record KkIff(KkStatement Left, KkStatement Right) : KkStatement
{
    public override bool Evaluate(ReadOnlySpan<bool> knights) => Left.Evaluate(knights) == Right.Evaluate(knights);
    public override int Depth => 1 + Math.Max(Left.Depth, Right.Depth);

    internal override void CollectMentions(List<int> into)
    {
        Left.CollectMentions(into);
        Right.CollectMentions(into);
    }

    public override string ToPython() => $"('<=>', {Left.ToPython()}, {Right.ToPython()})";
}
