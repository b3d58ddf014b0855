namespace ReMiT.Tasks.Gsm;

/// <summary>A quantity while a problem is being built: an item at a location, or a location's total.</summary>
internal sealed class QuantityNode(int id, string name, string location, string? item, Relation relation,
    long constant, IReadOnlyList<QuantityNode> operands, long value)
{
    public int Id { get; } = id;
    public string Name { get; } = name;
    public string Location { get; } = location;
    /// <summary>Null for a total.</summary>
    public string? Item { get; } = item;
    public Relation Relation { get; } = relation;
    public long Constant { get; } = constant;
    public IReadOnlyList<QuantityNode> Operands { get; } = operands;
    public long Value { get; } = value;

    public bool IsTotal => Relation == Relation.Total;

    public bool HasConstant => Relation is Relation.Constant or Relation.Plus or Relation.Times
        or Relation.PlusSum or Relation.TimesSum or Relation.PlusDifference or Relation.TimesDifference;

    /// <summary>GSM-Infinite's operation count of this one step: operands plus the constant, at least 1.</summary>
    public int Cost => Math.Max(1, Operands.Count + (HasConstant ? 1 : 0));

    /// <summary>This node and everything it depends on, in creation (= topological) order.</summary>
    public List<QuantityNode> Closure()
    {
        var seen = new HashSet<int>();
        var stack = new Stack<QuantityNode>();
        stack.Push(this);
        var result = new List<QuantityNode>();
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!seen.Add(n.Id)) continue;
            result.Add(n);
            foreach (var o in n.Operands) stack.Push(o);
        }
        result.Sort((a, b) => a.Id.CompareTo(b.Id));
        return result;
    }

    /// <summary>The value as A·x + B when <paramref name="unknown"/> is x, memoised in <paramref name="memo"/>.</summary>
    public Linear Symbolic(QuantityNode? unknown, Dictionary<int, Linear> memo)
    {
        if (memo.TryGetValue(Id, out var cached)) return cached;
        Linear v;
        if (ReferenceEquals(this, unknown)) v = Linear.X;
        else
        {
            var ops = Operands.Select(o => o.Symbolic(unknown, memo)).ToList();
            v = Relation switch
            {
                Relation.Constant => Linear.Const(Constant),
                Relation.Copy => ops[0],
                Relation.Plus => Linear.Const(Constant) + ops[0],
                Relation.Times => Constant * ops[0],
                Relation.Sum or Relation.Total => ops.Aggregate((p, q) => p + q),
                Relation.Difference => ops[0] - ops[1],
                Relation.PlusSum => Linear.Const(Constant) + ops.Aggregate((p, q) => p + q),
                Relation.TimesSum => Constant * ops.Aggregate((p, q) => p + q),
                Relation.PlusDifference => Linear.Const(Constant) + (ops[0] - ops[1]),
                Relation.TimesDifference => Constant * (ops[0] - ops[1]),
                _ => throw new InvalidOperationException($"unknown relation {Relation}"),
            };
        }
        memo[Id] = v;
        return v;
    }
}
