using System.Text.Json.Nodes;
using ReMiT.Tasks.Gsm;

namespace ReMiT.Tasks.Tests.Gsm;

public sealed class InterplayRewardFixtureTests
{
    private const double Tolerance = 1e-9;

    [Fact]
    public void Score_EveryFixtureVariant_MatchesInterplayRewards()
    {
        var failures = new List<string>();
        int checkedVariants = 0;
        foreach (var problem in InterplayFixture.Problems)
        {
            string gold = InterplayFixture.Str(problem, "solution");
            string answer = InterplayFixture.Str(problem, "answer");
            foreach (var variant in problem["variants"]!.AsArray())
            {
                string kind = InterplayFixture.Str(variant, "kind");
                string response = InterplayFixture.Str(variant, "solution");
                var r = InterplayReward.Score(gold, answer, response);
                var strict = InterplayReward.Score(gold, answer, response, strict: true);
                Check(failures, problem, kind, "outcome_reward", r.Outcome, variant!["outcome_reward"]);
                Check(failures, problem, kind, "process_reward", r.Process, variant["process_reward"]);
                Check(failures, problem, kind, "combined_reward", r.Combined, variant["combined_reward"]);
                Check(failures, problem, kind, "combined_reward_strict", strict.Combined, variant["combined_reward_strict"]);
                CheckComparison(failures, problem, kind, r.Comparison!, variant["graph_compare"]!.AsObject());
                checkedVariants++;
            }
        }
        Assert.Equal(150, checkedVariants);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Parse_FixtureGoldSolutions_EqualParsedGoldGraph()
    {
        foreach (var problem in InterplayFixture.Problems)
        {
            var graph = SolutionGraph.Parse(InterplayFixture.Str(problem, "solution"));
            var expected = problem["parsed_gold_graph"]!.AsObject();
            var nodes = expected["nodes"]!.AsArray();
            Assert.Equal(nodes.Count, graph.Nodes.Count);
            foreach (var node in nodes)
            {
                string name = InterplayFixture.Str(node, "name");
                Assert.True(graph.Nodes.TryGetValue(name, out var ours), $"problem {problem["id"]}: node '{name}' missing");
                Assert.Equal(InterplayFixture.Str(node, "variable"), ours.Variable);
                Assert.Equal(node!["value"]!.GetValue<double>(), ours.Value!.Value, Tolerance);
                var deps = node["dependencies"]!.AsArray().Select(d => d!.GetValue<string>()).ToHashSet();
                Assert.True(deps.SetEquals(ours.Dependencies),
                    $"problem {problem["id"]}, node '{name}': expected [{string.Join(", ", deps)}], got [{string.Join(", ", ours.Dependencies)}]");
            }
            Assert.Equal(expected["answer"]!.GetValue<double>(), graph.Answer!.Value, Tolerance);
        }
    }

    private static void Check(List<string> failures, JsonObject problem, string kind, string field, double ours, JsonNode? expected)
    {
        double want = expected!.GetValue<double>();
        if (Math.Abs(ours - want) > Tolerance)
            failures.Add($"problem {problem["id"]} (op {problem["op"]}, {problem["mode"]}) variant {kind}: {field} expected {want}, got {ours}");
    }

    private static void CheckComparison(List<string> failures, JsonObject problem, string kind, GraphComparison c, JsonObject expected)
    {
        var ours = new Dictionary<string, int>
        {
            ["gold_nodes"] = c.GoldNodes,
            ["pred_nodes"] = c.PredictedNodes,
            ["missing_in_pred"] = c.Missing.Count,
            ["extra_in_pred"] = c.Extra.Count,
            ["value_mismatches"] = c.ValueMismatches.Count,
            ["dependency_mismatches"] = c.DependencyMismatches.Count,
        };
        foreach (var (field, value) in ours)
        {
            int want = expected[field]!.GetValue<int>();
            if (want != value) failures.Add($"problem {problem["id"]} variant {kind}: graph_compare.{field} expected {want}, got {value}");
        }
        if (expected["answer_mismatch"]!.GetValue<bool>() != c.AnswerMismatch)
            failures.Add($"problem {problem["id"]} variant {kind}: answer_mismatch expected {expected["answer_mismatch"]}, got {c.AnswerMismatch}");
    }
}
