using System.Text.Json.Nodes;
using ReMiT.Tests.Shared;

namespace ReMiT.Cli.Tests;

public sealed class GsmCommandTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private JsonObject[] Read(string name) =>
        File.ReadAllLines(_h.PathOf(name)).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();

    [Fact]
    public void Verify_InterplayFixture_EveryVariantGetsTheReferenceRewards()
    {
        var lines = new List<string>();
        var expected = new List<(double Outcome, double Process, double Combined)>();
        foreach (string raw in File.ReadLines(RepoPaths.Fixture("external", "gsminf_interplay_sample.jsonl")))
        {
            var problem = JsonNode.Parse(raw)!.AsObject();
            foreach (var variant in problem["variants"]!.AsArray())
            {
                lines.Add(new JsonObject
                {
                    ["id"] = problem["id"]!.DeepClone(),
                    ["kind"] = variant!["kind"]!.DeepClone(),
                    ["solution"] = problem["solution"]!.DeepClone(),
                    ["answer"] = problem["answer"]!.DeepClone(),
                    ["response"] = variant["solution"]!.DeepClone(),
                }.ToJsonString());
                double Num(string key) => variant[key]!.GetValue<double>();
                expected.Add((Num("outcome_reward"), Num("process_reward"), Num("combined_reward")));
            }
        }
        string input = _h.Write("variants.jsonl", lines.ToArray());

        var (exit, _, err) = _h.Run("verify", "--task", "gsm", "--input", input, "--output", _h.PathOf("scored.jsonl"));

        Assert.True(exit == 0, err);
        var scored = Read("scored.jsonl");
        Assert.Equal(150, scored.Length);
        for (int i = 0; i < scored.Length; i++)
        {
            string where = $"problem {scored[i]["id"]} variant {scored[i]["kind"]}";
            Assert.True(Math.Abs(expected[i].Outcome - scored[i]["outcome_reward"]!.GetValue<double>()) < 1e-9, where);
            Assert.True(Math.Abs(expected[i].Process - scored[i]["process_reward"]!.GetValue<double>()) < 1e-9, where);
            Assert.True(Math.Abs(expected[i].Combined - scored[i]["reward"]!.GetValue<double>()) < 1e-9, where);
        }
    }

    [Fact]
    public void DataGen_OpsAndSeed_ExactOpsDeterministicAndGoldScoresOne()
    {
        string[] args = ["data", "gen", "--task", "gsm", "--ops", "edge", "--n", "12", "--seed", "3", "--out"];
        Assert.Equal(0, _h.Run([.. args, _h.PathOf("a.jsonl")]).Exit);
        Assert.Equal(0, _h.Run([.. args, _h.PathOf("b.jsonl")]).Exit);
        Assert.Equal(File.ReadAllText(_h.PathOf("a.jsonl")), File.ReadAllText(_h.PathOf("b.jsonl")));

        var problems = Read("a.jsonl");
        Assert.Equal([11, 12, 13, 14], problems.Select(p => p["op"]!.GetValue<int>()).Distinct().Order());
        Assert.All(problems, p => Assert.Equal("edge", p["split"]!.GetValue<string>()));
        Assert.Equal(["movie", "teachers", "zoo"], problems.Select(p => p["context"]!.GetValue<string>()).Distinct().Order());

        // the gold completion (the text after <solution>) gets reward 1
        string withResponses = _h.Write("r.jsonl", problems.Select(p =>
        {
            var q = p.DeepClone().AsObject();
            q["response"] = p["text"]!.GetValue<string>()[p["prompt"]!.GetValue<string>().Length..];
            return q.ToJsonString();
        }).ToArray());
        Assert.Equal(0, _h.Run("verify", "--task", "gsm", "--input", withResponses, "--output", _h.PathOf("s.jsonl")).Exit);
        Assert.All(Read("s.jsonl"), s => Assert.Equal(1.0, s["reward"]!.GetValue<double>()));
    }

    [Theory]
    [InlineData("--ops", "1-3", "operation counts must lie within 2-40")]
    [InlineData("--ops", "ten", "'ten'")]
    [InlineData("--templates", "zoo,circus", "circus")]
    [InlineData("--modes", "sideways", "sideways")]
    public void DataGen_BadOption_NamesIt(string option, string value, string message)
    {
        var (exit, _, err) = _h.Run("data", "gen", "--task", "gsm", option, value, "--n", "3", "--out", _h.PathOf("x.jsonl"));
        Assert.Equal(2, exit);
        Assert.Contains(message, err);
        Assert.False(File.Exists(_h.PathOf("x.jsonl")));
    }

    [Fact]
    public void Verify_MissingResponse_ReportsLineAndKeepsTheRest()
    {
        string input = _h.Write("in.jsonl",
            """{"solution": "Define a as x; so x = 2. Answer: 2.", "answer": "2", "response": "Define a as x; so x = 2. </solution> <answer> 2 </answer>"}""",
            """{"solution": "Define a as x; so x = 2. Answer: 2.", "answer": "2"}""");
        var (exit, _, err) = _h.Run("verify", "--task", "gsm", "--input", input, "--output", _h.PathOf("o.jsonl"));
        Assert.Equal(1, exit);
        Assert.Contains($"{input}:2: missing field 'response'", err);
        Assert.Equal(1.0, Assert.Single(Read("o.jsonl"))["reward"]!.GetValue<double>());
    }
}
