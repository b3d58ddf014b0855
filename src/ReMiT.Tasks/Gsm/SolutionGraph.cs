namespace ReMiT.Tasks.Gsm;

/// <summary>
/// The dependency graph Interplay reads out of a "Define … as X; so X = …" trace: one node per
/// distinct step name (a later step with the same name replaces the earlier one) plus the stated
/// answer. Built the same way for the gold solution and for a model's response.
/// </summary>
public sealed class SolutionGraph
{
    private SolutionGraph(IReadOnlyDictionary<string, GsmGraphNode> nodes, double? answer, int steps)
    {
        Nodes = nodes;
        Answer = answer;
        StepCount = steps;
    }

    /// <summary>Nodes by name, in order of first definition.</summary>
    public IReadOnlyDictionary<string, GsmGraphNode> Nodes { get; }

    /// <summary>The number after the first "&lt;answer&gt;", else after "Answer:", else null.</summary>
    public double? Answer { get; }

    /// <summary>Steps parsed, counting repeated names separately.</summary>
    public int StepCount { get; }

    public static SolutionGraph Parse(string solution)
    {
        ArgumentNullException.ThrowIfNull(solution);
        var parsed = SolutionParser.Parse(solution);
        var nodes = new Dictionary<string, GsmGraphNode>(StringComparer.Ordinal);
        foreach (var step in parsed.Steps)
        {
            nodes[step.Name] = new GsmGraphNode(step.Name, step.Variable.ToString(), step.Value,
                new HashSet<string>(step.Dependencies, StringComparer.Ordinal));
        }
        return new SolutionGraph(nodes, parsed.Answer, parsed.Steps.Count);
    }

    /// <summary>
    /// Compare this (gold) graph with a predicted one by node name, ignoring the letters used:
    /// values differ when exactly one side has none or both differ by more than
    /// <paramref name="tolerance"/> (NaN never differs, as in Python); dependencies differ when the
    /// name sets differ.
    /// </summary>
    public GraphComparison Compare(SolutionGraph predicted, double tolerance = 1e-6)
    {
        ArgumentNullException.ThrowIfNull(predicted);
        var missing = Nodes.Keys.Where(n => !predicted.Nodes.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
        var extra = predicted.Nodes.Keys.Where(n => !Nodes.ContainsKey(n)).Order(StringComparer.Ordinal).ToList();
        var valueMismatches = new List<string>();
        var dependencyMismatches = new List<string>();
        foreach (var name in Nodes.Keys.Where(predicted.Nodes.ContainsKey).Order(StringComparer.Ordinal))
        {
            var gold = Nodes[name];
            var pred = predicted.Nodes[name];
            if (Differs(gold.Value, pred.Value, tolerance)) valueMismatches.Add(name);
            if (!gold.Dependencies.SetEquals(pred.Dependencies)) dependencyMismatches.Add(name);
        }
        return new GraphComparison(Nodes.Count, predicted.Nodes.Count, missing, extra, valueMismatches,
            dependencyMismatches, Differs(Answer, predicted.Answer, tolerance));
    }

    private static bool Differs(double? a, double? b, double tolerance) => (a, b) switch
    {
        (null, null) => false,
        (null, _) or (_, null) => true,
        var (x, y) => Math.Abs(x.Value - y.Value) > tolerance,
    };
}
