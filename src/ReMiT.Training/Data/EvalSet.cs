using ReMiT.Tasks;
using ReMiT.Tasks.Gsm;
using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Training.Data;

/// <summary>
/// A fixed evaluation set: n items per difficulty (GSM op, K&amp;K people), generated from seeds offset
/// by <see cref="SeedOffset"/> so they are not the training problems, and optionally with a set of
/// problems (by <see cref="ProblemId"/>) excluded outright (small ops have few distinct problems, so
/// seeds alone cannot promise disjointness).
/// </summary>
public sealed record EvalSet(string Name, IReadOnlyList<EvalItem> Items)
{
    /// <summary>Mixed into every eval seed, so eval seed s never draws the problems of training seed s.</summary>
    public const ulong SeedOffset = 0x6576616C_73657473UL; // "evalsets"

    // Draws allowed per wanted item before giving up: exclusions may reject some, never most.
    private const int DrawsPerItem = 8;

    /// <summary>The difficulties present, ascending.</summary>
    public IReadOnlyList<int> Difficulties => Items.Select(i => i.Difficulty).Distinct().Order().ToArray();

    /// <summary>
    /// <paramref name="perOp"/> problems for every op in <paramref name="ops"/>, cycling through the
    /// templates and modes (default: all) so each op sees them equally.
    /// </summary>
    /// <param name="excludeIds">Problem ids (<see cref="ProblemId.Of"/> of the prompt) never to include, e.g. the held-out eval problems.</param>
    /// <exception cref="InvalidOperationException">An op has too few distinct problems outside the exclusions.</exception>
    public static EvalSet Gsm(GsmOpRange ops, int perOp, ulong seed, IReadOnlyList<GsmTemplate>? templates = null,
        IReadOnlyList<GsmMode>? modes = null, IReadOnlySet<string>? excludeIds = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perOp);
        ArgumentOutOfRangeException.ThrowIfLessThan(ops.Min, 2, nameof(ops));
        var generator = new GsmGenerator();
        var items = new List<EvalItem>(ops.Count * perOp);
        for (int op = ops.Min; op <= ops.Max; op++)
        {
            var candidates = generator.Generate(new GsmOpRange(op, op), perOp * DrawsPerItem, DifficultySeed(seed, op), templates, modes)
                .Select(p => (EvalItem)new GsmEvalItem(p));
            items.AddRange(Take(candidates, perOp, excludeIds, $"GSM op {op}"));
        }
        return new EvalSet($"gsm {ops}", items);
    }

    /// <summary><paramref name="perCount"/> puzzles for every number of people in [<paramref name="minPeople"/>, <paramref name="maxPeople"/>].</summary>
    /// <param name="scheme">Reward per verdict; binary (1 correct, else 0) by default.</param>
    /// <param name="excludeIds">Problem ids (<see cref="ProblemId.Of"/> of the prompt) never to include, e.g. the held-out eval problems.</param>
    public static EvalSet Kk(int minPeople, int maxPeople, int perCount, ulong seed, KkRewardScheme? scheme = null,
        IReadOnlySet<string>? excludeIds = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perCount);
        if (minPeople < KkGenerator.MinPeople || maxPeople > KkGenerator.MaxPeople || minPeople > maxPeople)
            throw new ArgumentOutOfRangeException(nameof(minPeople),
                $"expected {KkGenerator.MinPeople} ≤ minPeople ≤ maxPeople ≤ {KkGenerator.MaxPeople}, got {minPeople} and {maxPeople}");
        var items = new List<EvalItem>((maxPeople - minPeople + 1) * perCount);
        for (int people = minPeople; people <= maxPeople; people++)
        {
            // Lazy: only as many puzzles are generated as are taken.
            var candidates = KkGenerator.Generate(people, people, perCount * DrawsPerItem, DifficultySeed(seed, people))
                .Select(p => (EvalItem)new KkEvalItem(p, scheme));
            items.AddRange(Take(candidates, perCount, excludeIds, $"K&K with {people} people"));
        }
        return new EvalSet(minPeople == maxPeople ? $"kk {minPeople}" : $"kk {minPeople}-{maxPeople}", items);
    }

    /// <summary>An eval set matching a corpus source's task, difficulties, templates and modes.</summary>
    public static EvalSet For(CorpusSource source, int perDifficulty, ulong seed, IReadOnlySet<string>? excludeIds = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var problems = source.Validate();
        if (problems.Count > 0) throw new ArgumentException($"invalid corpus source {source.Label}: {string.Join("; ", problems)}", nameof(source));
        return source switch
        {
            GsmCorpusSource g => Gsm(GsmOpRange.Parse(g.Ops), perDifficulty, seed,
                g.Templates.Select(GsmTemplate.Parse).ToArray(), g.Modes.Select(GsmModes.Parse).ToArray(), excludeIds),
            KkCorpusSource k when KkCorpusSource.TryParsePeople(k.People, out int min, out int max, out _) =>
                Kk(min, max, perDifficulty, seed, excludeIds: excludeIds),
            _ => throw new ArgumentException($"no eval set for corpus source type {source.GetType().Name}", nameof(source)),
        };
    }

    /// <summary>Per difficulty, the accuracy of always giving that difficulty's most frequent gold answer.</summary>
    public IReadOnlyList<AnswerBaseline> MostCommonAnswerBaselines() =>
        Items.GroupBy(i => i.Difficulty).OrderBy(g => g.Key).Select(g =>
        {
            var best = g.GroupBy(i => i.Answer, StringComparer.Ordinal)
                .Select(a => (Answer: a.Key, Count: a.Count()))
                .OrderByDescending(a => a.Count).ThenBy(a => a.Answer, StringComparer.Ordinal)
                .First();
            return new AnswerBaseline(g.Key, best.Answer, best.Count, g.Count());
        }).ToArray();

    /// <summary>Judges one completion per item (in <see cref="Items"/> order) and summarises per difficulty.</summary>
    public IReadOnlyList<EvalScore> Score(IReadOnlyList<string> completions)
    {
        ArgumentNullException.ThrowIfNull(completions);
        if (completions.Count != Items.Count)
            throw new ArgumentException($"expected one completion per item ({Items.Count}), got {completions.Count}", nameof(completions));
        var verdicts = new EvalVerdict[Items.Count];
        Parallel.For(0, Items.Count, i => verdicts[i] = Items[i].Verify(completions[i]));
        var baselines = MostCommonAnswerBaselines().ToDictionary(b => b.Difficulty);
        return Enumerable.Range(0, Items.Count).GroupBy(i => Items[i].Difficulty).OrderBy(g => g.Key)
            .Select(g => new EvalScore(g.Key, g.Count(), g.Count(i => verdicts[i].Correct), g.Average(i => verdicts[i].Reward), baselines[g.Key]))
            .ToArray();
    }

    /// <summary>The seed of one difficulty's items; public so a tool can regenerate a single difficulty.</summary>
    public static ulong DifficultySeed(ulong seed, int difficulty) => SplitMix64.Derive(seed ^ SeedOffset, (ulong)difficulty);

    private static List<EvalItem> Take(IEnumerable<EvalItem> candidates, int count, IReadOnlySet<string>? exclude, string what)
    {
        var taken = new List<EvalItem>(count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in candidates)
        {
            // Duplicates within the set would weight one problem twice.
            if ((exclude is not null && exclude.Contains(ProblemId.Of(item.Prompt))) || !seen.Add(item.Prompt)) continue;
            taken.Add(item);
            if (taken.Count == count) return taken;
        }
        throw new InvalidOperationException(
            $"{what}: only {taken.Count} of {count} eval items are distinct and outside the excluded problems after {count * DrawsPerItem} draws; ask for fewer items");
    }
}
