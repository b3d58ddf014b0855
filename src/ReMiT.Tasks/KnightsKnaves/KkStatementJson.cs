using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>
/// Reads and writes statements in Xie et al.'s nested-array form, e.g.
/// <c>["and", ["lying", 0], ["telling-truth", 1]]</c>. Errors name the JSON path of the bad node.
/// </summary>
public static class KkStatementJson
{
    /// <summary>Parses one statement per person; the array's length is the number of people.</summary>
    public static IReadOnlyList<KkStatement> ParseAll(JsonNode? statements, string path = "statements")
    {
        if (statements is not JsonArray array)
            throw new ArgumentException($"{path}: expected an array of statements, found {Describe(statements)}.", path);
        if (array.Count == 0)
            throw new ArgumentException($"{path}: expected at least one statement, found an empty array.", path);
        return array.Select((s, i) => Parse(s, array.Count, $"{path}[{i}]")).ToArray();
    }

    /// <summary>Parses one statement; every person index must be in [0, nPeople).</summary>
    public static KkStatement Parse(JsonNode? node, int nPeople, string path = "statement")
    {
        if (node is not JsonArray a || a.Count == 0)
            throw new ArgumentException($"{path}: expected a non-empty array like [\"lying\", 0], found {Describe(node)}.", path);
        var op = a[0] is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new ArgumentException($"{path}[0]: expected an operator string, found {Describe(a[0])}.", path);
        switch (op)
        {
            case "telling-truth":
            case "lying":
                Arity(a, op, path, 1, 1);
                return new KkClaim(Person(a[1], nPeople, $"{path}[1]"), op == "telling-truth");
            case "not":
                Arity(a, op, path, 1, 1);
                return new KkNot(Parse(a[1], nPeople, $"{path}[1]"));
            case "and":
            case "or":
                Arity(a, op, path, 2, int.MaxValue);
                var operands = Enumerable.Range(1, a.Count - 1)
                    .Select(i => Parse(a[i], nPeople, $"{path}[{i}]")).ToImmutableArray();
                return op == "and" ? new KkAnd(operands) : new KkOr(operands);
            case "->":
                Arity(a, op, path, 2, 2);
                return new KkImplies(Parse(a[1], nPeople, $"{path}[1]"), Parse(a[2], nPeople, $"{path}[2]"));
            case "<=>":
                Arity(a, op, path, 2, 2);
                return new KkIff(Parse(a[1], nPeople, $"{path}[1]"), Parse(a[2], nPeople, $"{path}[2]"));
            default:
                throw new ArgumentException(
                    $"{path}: unknown operator '{op}'; expected one of telling-truth, lying, not, and, or, ->, <=>.", path);
        }
    }

    /// <summary>The nested-array form of one statement.</summary>
    public static JsonArray ToJson(KkStatement statement) => statement switch
    {
        KkClaim c => new JsonArray(c.IsKnight ? "telling-truth" : "lying", c.Person),
        KkNot n => new JsonArray("not", ToJson(n.Operand)),
        KkJunction j => new JsonArray([JsonValue.Create(j.Operator), .. j.Operands.Select(ToJson)]),
        KkImplies i => new JsonArray("->", ToJson(i.If), ToJson(i.Then)),
        KkIff e => new JsonArray("<=>", ToJson(e.Left), ToJson(e.Right)),
        _ => throw new ArgumentException($"Unsupported statement node {statement.GetType().Name}.", nameof(statement)),
    };

    /// <summary>The nested-array form of every person's statement.</summary>
    public static JsonArray ToJson(IEnumerable<KkStatement> statements) => new([.. statements.Select(ToJson)]);

    private static void Arity(JsonArray a, string op, string path, int min, int max)
    {
        var n = a.Count - 1;
        if (n < min || n > max)
        {
            var expected = min == max ? $"{min}" : max == int.MaxValue ? $"at least {min}" : $"{min}–{max}";
            throw new ArgumentException($"{path}: '{op}' takes {expected} operand(s), found {n}.", path);
        }
    }

    private static int Person(JsonNode? node, int nPeople, string path)
    {
        if (node is not JsonValue v || v.GetValueKind() != JsonValueKind.Number || !v.TryGetValue<int>(out var i))
            throw new ArgumentException($"{path}: expected a person index (integer), found {Describe(node)}.", path);
        if (i < 0 || i >= nPeople)
            throw new ArgumentException($"{path}: person index {i} is out of range for {nPeople} people (0–{nPeople - 1}).", path);
        return i;
    }

    internal static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray a => $"an array of {a.Count}",
        JsonObject => "an object",
        _ => $"{node.GetValueKind().ToString().ToLowerInvariant()} {node.ToJsonString()}",
    };
}
