using System.Globalization;
using System.Text;

namespace ReMiT.Tasks.Gsm;

/// <summary>
/// Turns a built quantity DAG into GSM-Infinite text: shuffled "The number of … equals …"
/// statements, the question, and the "Define … as v; so v = …" trace in the Interplay data's exact
/// shapes (intermediate letters for multi-operand steps, "(4) * (x)" for symbolic products, the
/// equation-solving tail of reverse mode).
/// </summary>
internal sealed class ProblemWriter(GsmTemplate template, SplitMix64 rng)
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private readonly Queue<char> _letters = new();
    private readonly Dictionary<int, char> _varOf = [];
    private readonly Dictionary<int, Linear> _symbolic = [];
    private QuantityNode? _unknown;

    public GsmProblem Write(ProblemBuilder.Built built, int op, GsmMode mode)
    {
        var target = built.Target;
        var unknown = built.Unknown;
        _unknown = unknown;
        var needed = target.Closure();

        var pool = Letters.Where(c => mode == GsmMode.Forward || c != 'x').ToList();
        rng.Shuffle(pool);
        foreach (char c in pool) _letters.Enqueue(c);

        var trace = new StringBuilder();
        if (mode == GsmMode.Reverse) trace.Append("The question is difficult, so we use equations to solve it. ");
        foreach (var node in needed)
        {
            char v = ReferenceEquals(node, unknown) ? 'x' : _letters.Dequeue();
            _varOf[node.Id] = v;
            trace.Append(Step(node, v, unknown)).Append(' ');
        }
        if (mode == GsmMode.Reverse) trace.Append(Equation(target, unknown!)).Append(' ');

        var sentences = built.Nodes.Where(n => !n.IsTotal).Select(n => ReferenceEquals(n, unknown)
            ? $"The number of {n.Name} exists, and its number is greater than 0."
            : $"The number of {n.Name} equals {Rhs(n)}.").ToList();
        if (mode == GsmMode.Reverse) sentences.Add($"The {target.Name} equals {Num(target.Value)}.");
        rng.Shuffle(sentences);

        var asked = unknown ?? target;
        string question = asked.IsTotal ? $"What is the {asked.Name}?" : $"How many {asked.Item} does {asked.Location} have?";
        var graph = needed.Select(n => new GsmQuantity(
            n.Name,
            n.IsTotal ? "abstract" : "instance",
            _varOf[n.Id].ToString(),
            n.Value,
            ReferenceEquals(n, unknown)
                ? [GsmQuantity.Constant]
                : [.. n.Operands.Select(o => o.Name), .. n.HasConstant ? new[] { GsmQuantity.Constant } : []])).ToList();

        return new GsmProblem(op, template, mode, string.Join(" ", sentences) + " ", question,
            trace.ToString().TrimEnd(), Num(asked.Value), graph);
    }

    private string Step(QuantityNode n, char v, QuantityNode? unknown)
    {
        var head = $"Define {n.Name} as {v};";
        if (ReferenceEquals(n, unknown)) return $"{head} we don't know its value yet but will find it out later.";
        var parts = new List<string>();
        var ops = n.Operands;
        string last = n.Relation switch
        {
            Relation.Constant => $"{v} = {Num(n.Constant)}",
            Relation.Copy => $"{v} = {_varOf[ops[0].Id]} = {Show(ops[0])}",
            Relation.Total when ops.Count == 1 => $"{v} = {_varOf[ops[0].Id]} = {Show(ops[0])}",
            Relation.Sum or Relation.Total => SumChain(v, ops.Select(o => (_varOf[o.Id], Sym(o))).ToList(), parts),
            Relation.Difference => Diff(v, ops[0], ops[1]),
            Relation.Plus or Relation.Times => ConstantStep(n, v, Copy(ops[0], parts)),
            Relation.PlusSum or Relation.TimesSum => ConstantStep(n, v,
                SumInto(ops.Select(o => (_varOf[o.Id], Sym(o))).ToList(), parts)),
            Relation.PlusDifference or Relation.TimesDifference => ConstantStep(n, v, DiffInto(ops[0], ops[1], parts)),
            _ => throw new InvalidOperationException($"unknown relation {n.Relation}"),
        };
        parts.Add("so " + last);
        return $"{head} {string.Join("; ", parts)}.";
    }

    // "i = a = 3" : a fresh letter holding an operand before a constant is applied to it.
    private (char Letter, Linear Value) Copy(QuantityNode o, List<string> parts)
    {
        char i = _letters.Dequeue();
        parts.Add($"{i} = {_varOf[o.Id]} = {Show(o)}");
        return (i, Sym(o));
    }

    // "s = a + b = 3 + 4 = 7" (through further letters for three or more terms).
    private (char Letter, Linear Value) SumInto(List<(char Letter, Linear Value)> terms, List<string> parts)
    {
        char s = _letters.Dequeue();
        string last = SumChain(s, terms, parts);
        parts.Add(last);
        return (s, terms.Select(t => t.Value).Aggregate((p, q) => p + q));
    }

    private (char Letter, Linear Value) DiffInto(QuantityNode a, QuantityNode b, List<string> parts)
    {
        char s = _letters.Dequeue();
        parts.Add(Diff(s, a, b));
        return (s, Sym(a) - Sym(b));
    }

    // "v = 4 + i = 4 + 3 = 7" or, with x in play, "v = 4 * i = (4) * (x) = 4*x".
    private static string ConstantStep(QuantityNode n, char v, (char Letter, Linear Value) operand)
    {
        bool times = n.Relation is Relation.Times or Relation.TimesSum or Relation.TimesDifference;
        string c = Num(n.Constant);
        var result = times ? n.Constant * operand.Value : Linear.Const(n.Constant) + operand.Value;
        string shown = times
            ? operand.Value.IsSymbolic ? $"({c}) * ({operand.Value})" : $"{c} * {operand.Value}"
            : $"{c} + {Term(operand.Value)}";
        return $"{v} = {c} {(times ? '*' : '+')} {operand.Letter} = {shown} = {result}";
    }

    // Pairwise additions: all but the last go through fresh letters; returns the last, for `target`.
    private string SumChain(char target, List<(char Letter, Linear Value)> terms, List<string> parts)
    {
        var (accLetter, accValue) = terms[0];
        for (int k = 1; k < terms.Count; k++)
        {
            var next = terms[k];
            var sum = accValue + next.Value;
            string line = $"{accLetter} + {next.Letter} = {Term(accValue)} + {Term(next.Value)} = {sum}";
            if (k == terms.Count - 1) return $"{target} = {line}";
            char i = _letters.Dequeue();
            parts.Add($"{i} = {line}");
            (accLetter, accValue) = (i, sum);
        }
        throw new InvalidOperationException("a sum needs at least two terms");
    }

    private string Diff(char target, QuantityNode a, QuantityNode b)
    {
        var r = Sym(a) - Sym(b);
        string right = Sym(b).IsSymbolic && Sym(b).ToString().Contains(' ') ? $"({Sym(b)})" : Term(Sym(b));
        return $"{target} = {_varOf[a.Id]} - {_varOf[b.Id]} = {Term(Sym(a))} - {right} = {r}";
    }

    private string Equation(QuantityNode target, QuantityNode unknown)
    {
        var lhs = Sym(target);
        long given = target.Value;
        long rhs = given - lhs.B;
        return $"We know {_varOf[target.Id]} = {Num(given)}, so we have {lhs} = {Num(given)} and we solve it through the following steps: "
            + $"Simplifying the equation: {lhs} = {Num(given)}. "
            + $"Move all terms to one side: {lhs - Linear.Const(given)} = 0. "
            + $"Isolate the term with x: {Num(lhs.A)}*x = {Num(rhs)}. "
            + $"Divide both sides by {Num(lhs.A)}: x = {Num(rhs)} / {Num(lhs.A)}. "
            + $"Solution: x = {Num(unknown.Value)}.";
    }

    private Linear Sym(QuantityNode n) => n.Symbolic(_unknown, _symbolic);

    private string Show(QuantityNode n) => Sym(n).ToString();

    // A term inside a sum: a negative leading sign is parenthesised so "4 + -x" never appears.
    private static string Term(Linear v) => v.ToString().StartsWith('-') ? $"({v})" : v.ToString();

    private string Rhs(QuantityNode n)
    {
        string c = Num(n.Constant);
        var refs = n.Operands.Select(Ref).ToList();
        return n.Relation switch
        {
            Relation.Constant => c,
            Relation.Copy => refs[0],
            Relation.Plus => $"{c} plus {refs[0]}",
            Relation.Times => $"{c} times {refs[0]}",
            Relation.Sum => $"the sum of {List(refs)}",
            Relation.Difference => $"the difference between {refs[0]} and {refs[1]}",
            Relation.PlusSum => $"{c} plus the sum of {List(refs)}",
            Relation.TimesSum => $"{c} times the sum of {List(refs)}",
            Relation.PlusDifference => $"{c} plus the difference between {refs[0]} and {refs[1]}",
            Relation.TimesDifference => $"{c} times the difference between {refs[0]} and {refs[1]}",
            _ => throw new InvalidOperationException($"relation {n.Relation} is never stated"),
        };
    }

    private static string Ref(QuantityNode n) => n.IsTotal ? $"the {n.Name}" : $"the number of {n.Name}";

    private static string List(List<string> items) =>
        items.Count == 2 ? $"{items[0]} and {items[1]}" : $"{string.Join(", ", items.Take(items.Count - 1))}, and {items[^1]}";

    private static string Num(long v) => v.ToString(CultureInfo.InvariantCulture);
}
