using System.Text;
using System.Text.RegularExpressions;

namespace ReMiT.Tasks.Gsm;

/// <summary>
/// Interplay's <c>utils/solution_dependency_graph.py:SolutionParser</c>, statement for statement,
/// quirks included (DESIGN Appendix A): steps start at "Define … as X;", assignments are
/// <c>X = expr</c> up to the next '.' or ';', only the last '=' segment is evaluated, every ASCII
/// letter of the whole expression counts as a dependency, and unevaluable assignments fall back to
/// their last number. Python's Unicode regex behaviour is spelled out in explicit character classes.
/// </summary>
internal sealed partial class SolutionParser
{
    // [A-Za-z] under Python's re.IGNORECASE also matches these four (İ ı ſ K).
    private const string IgnoreCaseLetter = "[A-Za-z\u0130\u0131\u017F\u212A]";
    private const string DefineWord = "[Dd][Ee][Ff][Ii\u0130\u0131][Nn][Ee]";
    private const string S = PyText.SpaceClass;

    [GeneratedRegex(DefineWord + S + "+(.*?)" + S + "+(?:[Aa][Ss\u017F]|[Aa])" + S + "+(?:" + IgnoreCaseLetter + "+" + S + "+)*(" + IgnoreCaseLetter + ");",
        RegexOptions.Singleline | RegexOptions.CultureInvariant)]
    private static partial Regex DefineRegex();

    [GeneratedRegex(DefineWord + S + "+", RegexOptions.CultureInvariant)]
    private static partial Regex DefineWordRegex();

    [GeneratedRegex("([A-Za-z])" + S + "*=" + S + "*([^.;]+)", RegexOptions.CultureInvariant)]
    private static partial Regex AssignmentRegex();

    [GeneratedRegex(@"[-+]?\d+(?:\.\d+)?", RegexOptions.CultureInvariant)]
    private static partial Regex NumberRegex();

    [GeneratedRegex("<[^>]+>", RegexOptions.CultureInvariant)]
    private static partial Regex TagRegex();

    // Maps a step's letter to its name once the step is done (later steps that reuse it win).
    private readonly Dictionary<char, string> _varToParam = [];
    // Values known for letters: step variables and intermediates alike.
    private readonly Dictionary<char, double> _values = [];

    internal sealed class Step(string name, char variable)
    {
        public string Name { get; } = name;
        public char Variable { get; } = variable;
        public HashSet<string> Dependencies { get; } = [];
        public double? Value { get; set; }
        public List<string> Expressions { get; } = [];
    }

    internal sealed record Parsed(IReadOnlyList<Step> Steps, double? Answer);

    public static Parsed Parse(string rawSolution)
    {
        ArgumentNullException.ThrowIfNull(rawSolution);
        return new SolutionParser().Run(rawSolution);
    }

    private Parsed Run(string rawSolution)
    {
        double? answer = GsmAnswer.ExtractNumber(rawSolution);
        string cleaned = PyText.Strip(TagRegex().Replace(rawSolution, ""));

        var first = DefineRegex().Match(cleaned);
        if (!first.Success) return new Parsed([], answer);
        string body = cleaned[first.Index..];

        var matches = DefineRegex().Matches(body);
        var steps = new List<Step>(matches.Count);
        for (int idx = 0; idx < matches.Count; idx++)
        {
            var match = matches[idx];
            string name = NormaliseName(PyText.CollapseSpaces(match.Groups[1].Value));
            char variable = match.Groups[2].Value[0];
            int start = match.Index + match.Length;
            int end = idx + 1 < matches.Count ? matches[idx + 1].Index : body.Length;
            string rawBody = StripAnswerTail(PyText.Strip(body[start..end]));
            var step = new Step(name, variable);
            ProcessStep(step, rawBody);
            steps.Add(step);
        }

        // Steps still without a value: their expressions from the last, evaluated with everything
        // known at the end, else the last value their letter received. Order matters: each step
        // writes its value back before the next one is looked at.
        foreach (var step in steps)
        {
            if (step.Value is null)
            {
                for (int k = step.Expressions.Count - 1; k >= 0; k--)
                {
                    if (Evaluate(step.Expressions[k]) is double v) { step.Value = v; break; }
                }
            }
            if (step.Value is null && _values.TryGetValue(step.Variable, out double known)) step.Value = known;
            if (step.Value is double value) _values[step.Variable] = value;
        }
        return new Parsed(steps, answer);
    }

    private void ProcessStep(Step step, string rawBody)
    {
        char current = step.Variable;
        var intermediateDeps = new Dictionary<char, HashSet<string>>();
        double? lastValue = null;

        foreach (Match match in AssignmentRegex().Matches(rawBody))
        {
            char target = match.Groups[1].Value[0];
            string expr = PyText.Strip(match.Groups[2].Value);
            string exprEval = PyText.Strip(expr[(expr.LastIndexOf('=') + 1)..]);
            var sourceDeps = CollectDependencies(expr, intermediateDeps);

            if (target == current)
            {
                step.Dependencies.UnionWith(sourceDeps);
                if (exprEval.Length > 0) step.Expressions.Add(exprEval);
            }
            else
            {
                if (!intermediateDeps.TryGetValue(target, out var set)) intermediateDeps[target] = set = [];
                set.UnionWith(sourceDeps);
            }

            double? value = Evaluate(exprEval) ?? LastNumber(match.Value);
            if (value is double v)
            {
                _values[target] = v;
                if (target == current) lastValue = v;
            }
        }

        if (lastValue is null)
        {
            lastValue = LastNumber(rawBody);
            if (lastValue is double v) _values[current] = v;
        }
        step.Value = lastValue;
        _varToParam[current] = step.Name;
    }

    private HashSet<string> CollectDependencies(string expr, Dictionary<char, HashSet<string>> intermediateDeps)
    {
        var deps = new HashSet<string>(StringComparer.Ordinal);
        foreach (char c in expr)
        {
            if (!char.IsAsciiLetter(c)) continue;
            if (_varToParam.TryGetValue(c, out var name)) deps.Add(name);
            if (intermediateDeps.TryGetValue(c, out var inter)) deps.UnionWith(inter);
        }
        return deps;
    }

    /// <summary>
    /// Substitute every letter by its known value (Python float repr, whole-word only, so "3x" stays),
    /// accept only digits, operators, parentheses and whitespace, and evaluate as Python would.
    /// </summary>
    private double? Evaluate(string expr)
    {
        var letters = new HashSet<char>();
        foreach (char c in expr) if (char.IsAsciiLetter(c)) letters.Add(c);
        foreach (char c in letters) if (!_values.ContainsKey(c)) return null;

        string substituted = expr;
        if (letters.Count > 0)
        {
            var sb = new StringBuilder(expr.Length + 8 * letters.Count);
            for (int i = 0; i < expr.Length; i++)
            {
                char c = expr[i];
                if (char.IsAsciiLetter(c) && !PyText.IsWordBefore(expr, i) && !PyText.IsWordAt(expr, i + 1))
                    sb.Append(PyText.FloatRepr(_values[c]));
                else
                    sb.Append(c);
            }
            substituted = sb.ToString();
        }

        substituted = PyText.Strip(substituted);
        if (substituted.Length == 0) return null;
        foreach (char c in substituted)
        {
            if (!(c is >= '0' and <= '9' or '+' or '-' or '*' or '/' or '(' or ')' or '.' || PyText.IsSpace(c))) return null;
        }
        return PyArithmetic.Evaluate(substituted);
    }

    private static double? LastNumber(string text)
    {
        Match? last = null;
        foreach (Match m in NumberRegex().Matches(text)) last = m;
        return last is null ? null : PyText.ParseMatchedNumber(last.Value);
    }

    private static string StripAnswerTail(string body)
    {
        int idx = body.IndexOf("Answer:", StringComparison.Ordinal);
        return idx >= 0 ? PyText.Strip(body[..idx]) : PyText.Strip(body);
    }

    /// <summary>Drop U+FFFD, trim " .;", and keep only what follows the last "Define " inside.</summary>
    private static string NormaliseName(string name)
    {
        string cleaned = PyText.Strip(PyText.CollapseSpaces(name).Replace("\uFFFD", "", StringComparison.Ordinal), " .;");
        Match? last = null;
        foreach (Match m in DefineWordRegex().Matches(cleaned))
        {
            if (!PyText.IsWordBefore(cleaned, m.Index)) last = m; // Python's \b before "Define"
        }
        if (last is not null) cleaned = cleaned[(last.Index + last.Length)..];
        return PyText.Strip(cleaned, " .;");
    }
}
