using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Tasks.KnightsKnaves;

/// <summary>
/// JSONL glue for the CLI: one puzzle per line, statements in Xie et al.'s nested-array form. Missing or
/// wrong-typed fields throw <see cref="ArgumentException"/> naming the field.
/// </summary>
public static class KkJson
{
    /// <summary>
    /// A puzzle as a line: task, n_people, names, statements, question, solution, solution_text, cot,
    /// prompt (question + blank line) and text (prompt + cot + "\n\nCONCLUSION:\n" + solution_text), so
    /// text starts with prompt and the completion a model should learn is text[prompt.Length..].
    /// </summary>
    public static JsonObject ToJson(KkPuzzle p)
    {
        ArgumentNullException.ThrowIfNull(p);
        var question = p.Question;
        var cot = p.Cot.Text;
        var prompt = Prompt(question);
        return new JsonObject
        {
            ["task"] = "kk",
            ["n_people"] = p.PeopleCount,
            ["names"] = new JsonArray([.. p.Names.Select(n => JsonValue.Create(n))]),
            ["statements"] = KkStatementJson.ToJson(p.Statements),
            ["templates"] = new JsonArray([.. p.Templates.Select(t => JsonValue.Create(t))]),
            ["question"] = question,
            ["solution"] = Bools(p.Solution),
            ["solution_text"] = p.SolutionText,
            ["cot"] = cot,
            ["prompt"] = prompt,
            ["text"] = $"{prompt}{cot}\n\nCONCLUSION:\n{p.SolutionText}",
        };
    }

    /// <summary>The prompt for a question: the question and a blank line, where the reasoning starts.</summary>
    public static string Prompt(string question) => question + "\n\n";

    /// <summary>A puzzle back from a line written by <see cref="ToJson"/> (names, statements, templates).</summary>
    public static KkPuzzle FromJson(JsonObject line)
    {
        var names = Names(line);
        var statements = Statements(line, names.Length);
        var templates = Array(line, "templates").Select((t, i) => Int(t, $"templates[{i}]")).ToArray();
        return new KkPuzzle(names, statements, templates);
    }

    /// <summary>Adds <c>solution</c> (the first solution, or null when none) and <c>n_solutions</c>.</summary>
    public static void AddSolution(JsonObject line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var names = Names(line);
        var result = KkSolver.Solve(Statements(line, names.Length));
        line["solution"] = result.Solution is null ? null : Bools(result.Solution);
        line["n_solutions"] = result.Count;
    }

    /// <summary>Judges <c>response</c> against <c>solution</c>; adds <c>correct</c>, <c>verdict</c> and <c>reward</c>.</summary>
    public static void AddVerdict(JsonObject line, KkRewardScheme scheme)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(scheme);
        var names = Names(line);
        Statements(line, names.Length); // validates the puzzle the answer is judged for
        var solution = Array(line, "solution").Select((b, i) => Bool(b, $"solution[{i}]")).ToArray();
        if (solution.Length != names.Length)
            throw new ArgumentException($"solution: expected {names.Length} roles (one per name), found {solution.Length}.", "solution");
        var response = line["response"] is JsonValue v && v.TryGetValue<string>(out var s)
            ? s
            : throw new ArgumentException($"response: expected a string, found {KkStatementJson.Describe(line["response"])}.", "response");
        var judgement = KkVerifier.Judge(response, names, solution);
        line["correct"] = judgement.IsCorrect;
        line["verdict"] = judgement.VerdictName;
        line["reward"] = scheme.Reward(judgement);
    }

    private static string[] Names(JsonObject line)
    {
        var names = Array(line, "names").Select((n, i) =>
            n is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0
                ? s
                : throw new ArgumentException($"names[{i}]: expected a non-empty string, found {KkStatementJson.Describe(n)}.", "names"))
            .ToArray();
        if (names.Length < 2)
            throw new ArgumentException($"names: expected at least 2 names, found {names.Length}.", "names");
        return names;
    }

    private static IReadOnlyList<KkStatement> Statements(JsonObject line, int people)
    {
        // Count first: with too few statements an index error would hide the real mistake.
        var array = Array(line, "statements");
        if (array.Count != people)
            throw new ArgumentException($"statements: expected one per name ({people}), found {array.Count}.", "statements");
        return KkStatementJson.ParseAll(array);
    }

    private static JsonArray Array(JsonObject line, string field) =>
        line.TryGetPropertyValue(field, out var node)
            ? node as JsonArray ?? throw new ArgumentException($"{field}: expected an array, found {KkStatementJson.Describe(node)}.", field)
            : throw new ArgumentException($"{field}: missing field.", field);

    private static bool Bool(JsonNode? node, string path) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? v.GetValue<bool>()
            : throw new ArgumentException($"{path}: expected true or false, found {KkStatementJson.Describe(node)}.", path);

    private static int Int(JsonNode? node, string path) =>
        node is JsonValue v && v.TryGetValue<int>(out var i)
            ? i
            : throw new ArgumentException($"{path}: expected an integer, found {KkStatementJson.Describe(node)}.", path);

    private static JsonArray Bools(IEnumerable<bool> values) => new([.. values.Select(b => JsonValue.Create(b))]);
}
