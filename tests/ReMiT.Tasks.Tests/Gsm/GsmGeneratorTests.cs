using ReMiT.Tasks.Gsm;

namespace ReMiT.Tasks.Tests.Gsm;

public sealed class GsmGeneratorTests
{
    private static readonly GsmGenerator Generator = new();

    [Fact]
    public void Generate_EveryOpTemplateAndMode_HasExactOpCountAndScoresOne()
    {
        for (int op = 2; op <= 20; op++)
        foreach (var template in GsmTemplate.All)
        foreach (var mode in GsmModes.All)
        for (ulong seed = 0; seed < 3; seed++)
        {
            var p = Generator.Generate(op, template, mode, seed * 7919 + (ulong)op);
            string where = $"op {op}, {template.Key}, {mode}, seed {seed}";
            Assert.True(CountOps(p.Graph) == op, $"{where}: graph has {CountOps(p.Graph)} ops\n{p.Text}");
            var r = InterplayReward.Score(p.GoldSolution, p.Answer, p.GoldResponse);
            Assert.True(r is { Outcome: 1, Process: 1, Combined: 1 }, $"{where}: {r}\n{p.Text}");
            AssertParsedGraphMatches(p, where);
        }
    }

    [Fact]
    public void Generate_SameSeed_IdenticalOutput()
    {
        var a = Generator.Generate(new GsmOpRange(2, 20), 40, 123).Select(p => p.Text).ToList();
        var b = new GsmGenerator().Generate(new GsmOpRange(2, 20), 40, 123).Select(p => p.Text).ToList();
        Assert.Equal(a, b);
    }

    [Fact]
    public void Generate_DifferentSeeds_DifferentProblems()
    {
        var a = Generator.Generate(new GsmOpRange(5, 9), 20, 1).Select(p => p.Text).ToHashSet();
        var b = Generator.Generate(new GsmOpRange(5, 9), 20, 2).Select(p => p.Text).ToList();
        Assert.Equal(20, a.Count);
        Assert.DoesNotContain(b, a.Contains);
    }

    [Fact]
    public void Generate_Batch_CyclesOpsThenTemplatesThenModes()
    {
        var ps = Generator.Generate(new GsmOpRange(2, 4), 18, 7).ToList();
        Assert.Equal([2, 3, 4, 2, 3, 4], ps.Take(6).Select(p => p.Op));
        Assert.Equal([GsmTemplate.Zoo, GsmTemplate.Zoo, GsmTemplate.Zoo, GsmTemplate.Teachers], ps.Take(4).Select(p => p.Template));
        Assert.All(ps.Take(9), p => Assert.Equal(GsmMode.Forward, p.Mode));
        Assert.All(ps.Skip(9), p => Assert.Equal(GsmMode.Reverse, p.Mode));
    }

    [Fact]
    public void Generate_Text_HasFixtureShape()
    {
        var p = Generator.Generate(5, GsmTemplate.Zoo, GsmMode.Reverse, 3);
        Assert.Equal($"<question> {p.Problem}{p.Question} </question> <solution> {p.Solution} </solution> <answer> {p.Answer} </answer>", p.Text);
        Assert.StartsWith("The question is difficult, so we use equations to solve it. Define ", p.Solution);
        Assert.Contains("exists, and its number is greater than 0.", p.Problem);
        Assert.EndsWith($"Solution: x = {p.Answer}.", p.Solution);
        Assert.Equal("x", p.Graph.Single(q => q.DependsOn.SequenceEqual([GsmQuantity.Constant]) && q.Variable == "x").Variable);
    }

    // Independent of the generator: GSM-Infinite counts max(1, operands incl. a constant) per step.
    private static int CountOps(IReadOnlyList<GsmQuantity> graph) => graph.Sum(q => Math.Max(1, q.DependsOn.Count));

    private static void AssertParsedGraphMatches(GsmProblem p, string where)
    {
        var parsed = SolutionGraph.Parse(p.GoldSolution);
        Assert.Equal(p.Graph.Select(q => q.Name).Order(), parsed.Nodes.Keys.Order());
        Assert.Equal(double.Parse(p.Answer, System.Globalization.CultureInfo.InvariantCulture), parsed.Answer);
        foreach (var q in p.Graph)
        {
            var node = parsed.Nodes[q.Name];
            var deps = q.DependsOn.Where(d => d != GsmQuantity.Constant).ToHashSet();
            Assert.Equal(q.Variable, node.Variable);
            if (p.Mode == GsmMode.Forward)
            {
                Assert.True(deps.SetEquals(node.Dependencies), $"{where}: deps of '{q.Name}'\n{p.Solution}");
                Assert.True(node.Value == q.Value, $"{where}: value of '{q.Name}' {node.Value} != {q.Value}\n{p.Solution}");
            }
            else
            {
                // Reverse traces end in prose whose letters the parser also reads as dependencies.
                Assert.True(deps.IsSubsetOf(node.Dependencies), $"{where}: deps of '{q.Name}'\n{p.Solution}");
            }
        }
    }
}
