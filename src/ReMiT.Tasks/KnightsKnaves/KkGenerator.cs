using System.Collections.Immutable;

namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>
/// Random uniquely solvable puzzles, following Xie et al.'s <c>KKProblemSampler</c>: each statement
/// draws a die in 0–5 — a leaf (telling-truth/lying of a random person, never "I am a knave"), not,
/// and, or, →, ⇔ — with operands one level down (leaves at depth 2) and no repeated operand within a
/// node; puzzles without exactly one solution, or repeating an earlier puzzle, are rejected.
/// Deterministic for a seed (SplitMix64), so a data set is reproduced from its seed alone.
/// </summary>
public static class KkGenerator
{
    public const int MinPeople = 2;

    /// <summary>Xie et al. publish 2–8; above 12 the CoT's completion checks get slow.</summary>
    public const int MaxPeople = 12;

    /// <summary>Rejection budget per puzzle, as Xie et al.'s <c>max_retry</c>.</summary>
    public const int MaxRetry = 1000;

    /// <summary>Xie et al.'s COMMON_NAMES, in their order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "Emma", "Liam", "Olivia", "Noah", "Ava", "Ethan", "Sophia", "Mason", "Isabella", "William", "Mia",
        "James", "Charlotte", "Benjamin", "Amelia", "Lucas", "Harper", "Henry", "Evelyn", "Alexander",
        "Abigail", "Michael", "Emily", "Daniel", "Elizabeth", "Jacob", "Sofia", "Logan", "Avery", "Jackson",
        "Ella", "Sebastian", "Scarlett", "Jack", "Grace", "Aiden", "Chloe", "Owen", "Victoria", "Samuel",
        "Riley", "Matthew", "Aria", "Joseph", "Lily", "Luke", "Aurora", "David", "Zoey", "Oliver", "Penelope",
    ];

    /// <summary>
    /// <paramref name="n"/> puzzles, each with a number of people uniform in [minPeople, maxPeople].
    /// </summary>
    /// <param name="maxWidth">Most operands of and/or (Xie et al.'s <c>width_constraint</c>, default 2).</param>
    /// <param name="depth">Statement depth bound (leaf = 1); the renderer is exact for ≤ 2.</param>
    public static IEnumerable<KkPuzzle> Generate(int minPeople, int maxPeople, int n, ulong seed, int maxWidth = 2, int depth = 2)
    {
        if (minPeople < MinPeople || maxPeople > MaxPeople || minPeople > maxPeople)
            throw new ArgumentOutOfRangeException(nameof(minPeople),
                $"Expected {MinPeople} ≤ minPeople ≤ maxPeople ≤ {MaxPeople}, got minPeople={minPeople}, maxPeople={maxPeople}.");
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWidth, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 1);
        return Iterate(minPeople, maxPeople, n, seed, maxWidth, depth);
    }

    private static IEnumerable<KkPuzzle> Iterate(int minPeople, int maxPeople, int n, ulong seed, int maxWidth, int depth)
    {
        var rng = new SplitMix64(seed);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var k = 0; k < n; k++)
            yield return Next(rng, rng.NextInt(minPeople, maxPeople), seen, maxWidth, depth);
    }

    private static KkPuzzle Next(SplitMix64 rng, int people, HashSet<string> seen, int maxWidth, int depth)
    {
        for (var attempt = 0; attempt < MaxRetry; attempt++)
        {
            var statements = new KkStatement[people];
            for (var i = 0; i < people; i++)
                statements[i] = Sample(rng, people, speaker: i, depth, maxWidth);
            if (!KkSolver.IsUniquelySolvable(statements))
                continue;
            if (!seen.Add(string.Join("|", statements.Select(s => s.ToPython()))))
                continue;
            var names = PickNames(rng, people);
            var templates = Enumerable.Range(0, people).Select(_ => rng.NextInt(KkText.SayingTemplates.Count)).ToArray();
            return new KkPuzzle(names, statements, templates);
        }
        throw new InvalidOperationException(
            $"No new uniquely solvable {people}-person puzzle after {MaxRetry} tries; use a different seed or fewer puzzles.");
    }

    private static KkStatement Sample(SplitMix64 rng, int people, int speaker, int depth, int maxWidth)
    {
        var dice = rng.NextInt(6);
        if (depth == 1 || dice == 0)
        {
            while (true)
            {
                var knight = rng.NextBool();
                var person = rng.NextInt(people);
                // "I am a knave" is unsatisfiable on its face; Xie et al. never generate it.
                if (knight || person != speaker)
                    return new KkClaim(person, knight);
            }
        }
        switch (dice)
        {
            case 1:
                return new KkNot(Sample(rng, people, speaker, depth - 1, maxWidth));
            case 2:
            case 3:
                var ops = Operands(rng, people, speaker, depth, maxWidth, rng.NextInt(2, maxWidth));
                return dice == 2 ? new KkAnd(ops) : new KkOr(ops);
            default:
                var pair = Operands(rng, people, speaker, depth, maxWidth, 2);
                return dice == 4 ? new KkImplies(pair[0], pair[1]) : new KkIff(pair[0], pair[1]);
        }
    }

    // Distinct operands one level down (Xie et al.'s dedup), e.g. never "A is a knight or A is a knight".
    // A speaker has only 2n-1 distinct leaves, so a wide node over leaves is capped there (else no end).
    private static ImmutableArray<KkStatement> Operands(SplitMix64 rng, int people, int speaker, int depth, int maxWidth, int count)
    {
        if (depth - 1 == 1)
            count = Math.Min(count, 2 * people - 1);
        var ops = ImmutableArray.CreateBuilder<KkStatement>(count);
        while (ops.Count < count)
        {
            var s = Sample(rng, people, speaker, depth - 1, maxWidth);
            if (!ops.Contains(s))
                ops.Add(s);
        }
        return ops.MoveToImmutable();
    }

    // Partial Fisher–Yates: `people` distinct names in random order.
    private static string[] PickNames(SplitMix64 rng, int people)
    {
        var pool = Names.ToArray();
        for (var i = 0; i < people; i++)
        {
            var j = i + rng.NextInt(pool.Length - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool[..people];
    }
}
