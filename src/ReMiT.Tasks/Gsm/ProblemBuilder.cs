namespace ReMiT.Tasks.Gsm;

/// <summary>
/// Builds the quantity DAG of one problem by rejection sampling: quantities are added one at a time,
/// each defined from earlier ones (preferring ones nothing uses yet, so chains grow), and the first
/// quantity whose dependency closure costs exactly the requested op count becomes the question.
/// Whatever else was built stays as distractor statements, plus a few extra ones.
/// </summary>
internal sealed class ProblemBuilder(GsmGeneratorOptions options, GsmTemplate template, SplitMix64 rng)
{
    private const int CandidatesPerStep = 24;

    private readonly List<QuantityNode> _nodes = [];
    private readonly HashSet<int> _used = [];
    private readonly HashSet<string> _closed = new(StringComparer.Ordinal);
    private List<string> _items = [];
    private List<string> _locations = [];
    private List<(string Item, string Location)> _freePairs = [];

    internal sealed record Built(IReadOnlyList<QuantityNode> Nodes, QuantityNode Target, QuantityNode? Unknown);

    public Built Build(int op, GsmMode mode)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(op, 2);
        for (int attempt = 0; attempt < options.MaxAttempts; attempt++)
        {
            var built = TryBuild(op, mode);
            if (built is not null) return built;
        }
        throw new InvalidOperationException(
            $"no {GsmModes.FixtureName(mode)} {template.Key} problem with op {op} after {options.MaxAttempts} attempts; raise MaxAttempts or MaxValue");
    }

    private Built? TryBuild(int op, GsmMode mode)
    {
        Reset(op);
        int maxNodes = 3 * op + 8;
        while (_nodes.Count < maxNodes)
        {
            for (int t = 0; t < CandidatesPerStep; t++)
            {
                var cand = Candidate(preferTotal: mode == GsmMode.Reverse);
                if (cand is null || Cost(cand) != op) continue;
                if (mode == GsmMode.Forward)
                {
                    Add(cand);
                    return Finish(cand, null);
                }
                if (cand.IsTotal && PickUnknown(cand) is { } unknown)
                {
                    Add(cand);
                    return Finish(cand, unknown);
                }
            }
            QuantityNode? growth = null;
            for (int t = 0; t < CandidatesPerStep && growth is null; t++)
            {
                var cand = Candidate(preferTotal: false);
                if (cand is not null && Cost(cand) < op) growth = cand;
            }
            if (growth is null) return null;
            Add(growth);
        }
        return null;
    }

    private void Reset(int op)
    {
        _nodes.Clear();
        _used.Clear();
        _closed.Clear();
        var group = rng.Pick(template.ItemGroups);
        _items = [.. group];
        rng.Shuffle(_items);
        _items = _items.Take(rng.NextInt(Math.Min(3, group.Count), group.Count)).ToList();
        _locations = [.. template.Locations];
        rng.Shuffle(_locations);
        int maxLocations = Math.Min(template.Locations.Count, 3 + op / 5);
        _locations = _locations.Take(rng.NextInt(2, maxLocations)).ToList();
        _freePairs = [.. _items.SelectMany(i => _locations.Select(l => (i, l)))];
        rng.Shuffle(_freePairs);
    }

    private Built Finish(QuantityNode target, QuantityNode? unknown)
    {
        // Extra distractors may use anything, the target included; they never enter its closure.
        int extra = rng.NextInt(0, options.MaxExtraDistractors);
        for (int i = 0, tries = 0; i < extra && tries < 50; tries++)
        {
            var cand = Candidate(preferTotal: false, allowTotal: false);
            if (cand is null) continue;
            Add(cand);
            i++;
        }
        return new Built(_nodes.ToList(), target, unknown);
    }

    private static int Cost(QuantityNode node) => node.Closure().Sum(n => n.Cost);

    private void Add(QuantityNode node)
    {
        _nodes.Add(node);
        foreach (var o in node.Operands) _used.Add(o.Id);
        if (node.IsTotal) _closed.Add(node.Location);
        else _freePairs.Remove((node.Item!, node.Location));
    }

    /// <summary>A leaf of the target's closure to hide as x: stated as a constant, positive, with a
    /// positive coefficient in the target so the equation has one positive solution.</summary>
    private QuantityNode? PickUnknown(QuantityNode target)
    {
        var leaves = target.Closure().Where(n => n.Relation == Relation.Constant && n.Value > 0).ToList();
        rng.Shuffle(leaves);
        foreach (var leaf in leaves)
        {
            if (target.Symbolic(leaf, []).A > 0) return leaf;
        }
        return null;
    }

    /// <summary>A random new quantity defined from existing ones, or null if its value is out of range.</summary>
    private QuantityNode? Candidate(bool preferTotal, bool allowTotal = true)
    {
        var openWithItems = _locations
            .Where(l => !_closed.Contains(l) && _nodes.Any(n => !n.IsTotal && n.Location == l))
            .ToList();
        bool canInstance = _freePairs.Any(p => !_closed.Contains(p.Location));
        bool total = allowTotal && openWithItems.Count > 0 && (!canInstance || rng.Chance(preferTotal ? 0.5 : 0.2));
        if (total)
        {
            string loc = rng.Pick(openWithItems);
            var parts = _nodes.Where(n => !n.IsTotal && n.Location == loc).ToList();
            long sum = parts.Sum(p => p.Value);
            return InRange(sum) ? new QuantityNode(_nodes.Count, template.Total(loc), loc, null, Relation.Total, 0, parts, sum) : null;
        }
        if (!canInstance) return null;

        var (item, location) = _freePairs.First(p => !_closed.Contains(p.Location));
        var relation = _nodes.Count == 0 ? Relation.Constant : PickRelation();
        int arity = relation switch
        {
            Relation.Constant => 0,
            Relation.Copy or Relation.Plus or Relation.Times => 1,
            Relation.Difference or Relation.PlusDifference or Relation.TimesDifference => 2,
            _ => rng.NextInt(2, 4),
        };
        if (arity > _nodes.Count) return null;
        var operands = PickOperands(arity);
        long c = relation switch
        {
            Relation.Constant => rng.NextInt(1, options.MaxLeafValue),
            Relation.Times or Relation.TimesSum or Relation.TimesDifference => rng.NextInt(2, options.MaxConstant),
            Relation.Plus or Relation.PlusSum or Relation.PlusDifference => rng.NextInt(1, options.MaxConstant),
            _ => 0,
        };
        var node = new QuantityNode(_nodes.Count, template.Instance(item, location), location, item, relation, c, operands, 0);
        long value = node.Symbolic(null, []).B;
        // Differences must not go negative on the way either (counts of things).
        if (relation is Relation.Difference or Relation.PlusDifference or Relation.TimesDifference
            && operands[0].Value < operands[1].Value) return null;
        if (!InRange(value)) return null;
        return new QuantityNode(node.Id, node.Name, location, item, relation, c, operands, value);
    }

    private Relation PickRelation()
    {
        int r = rng.NextInt(100);
        return r switch
        {
            < 22 => Relation.Constant,
            < 34 => Relation.Copy,
            < 46 => Relation.Plus,
            < 58 => Relation.Times,
            < 72 => Relation.Sum,
            < 80 => Relation.Difference,
            < 86 => Relation.PlusSum,
            < 92 => Relation.TimesSum,
            < 96 => Relation.PlusDifference,
            _ => Relation.TimesDifference,
        };
    }

    /// <summary>Distinct operands, each a not-yet-used quantity with probability 0.7 when one is left.</summary>
    private List<QuantityNode> PickOperands(int count)
    {
        var chosen = new List<QuantityNode>(count);
        for (int k = 0; k < count; k++)
        {
            var sinks = _nodes.Where(n => !_used.Contains(n.Id) && !chosen.Contains(n)).ToList();
            var pool = sinks.Count > 0 && rng.Chance(0.7) ? sinks : _nodes.Where(n => !chosen.Contains(n)).ToList();
            chosen.Add(rng.Pick(pool));
        }
        return chosen;
    }

    private bool InRange(long v) => v >= 0 && v <= options.MaxValue;
}
