using System.Text.Json.Nodes;
using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Tasks.Tests.KnightsKnaves;

public sealed class KkJsonTests
{
    [Fact]
    public void ToJson_GeneratedPuzzle_HasAllFieldsAndRoundTrips()
    {
        foreach (var p in KkGenerator.Generate(2, 8, 10, 3))
        {
            var line = JsonNode.Parse(KkJson.ToJson(p).ToJsonString())!.AsObject();
            Assert.Equal("kk", line["task"]!.GetValue<string>());
            Assert.Equal(p.PeopleCount, line["n_people"]!.GetValue<int>());
            Assert.Equal(p.Question, line["question"]!.GetValue<string>());
            Assert.Equal(p.SolutionText, line["solution_text"]!.GetValue<string>());
            Assert.Equal(p.Cot.Text, line["cot"]!.GetValue<string>());
            var prompt = line["prompt"]!.GetValue<string>();
            var text = line["text"]!.GetValue<string>();
            Assert.StartsWith(prompt, text);
            Assert.EndsWith("\n\nCONCLUSION:\n" + p.SolutionText, text);

            var back = KkJson.FromJson(line);
            Assert.Equal(p.Names, back.Names);
            Assert.Equal(p.Statements, back.Statements);
            Assert.Equal(p.Question, back.Question);

            // The model's ideal completion is judged correct.
            line["response"] = text[prompt.Length..];
            KkJson.AddVerdict(line, KkRewardScheme.WarmUp);
            Assert.True(line["correct"]!.GetValue<bool>());
            Assert.Equal("correct", line["verdict"]!.GetValue<string>());
            Assert.Equal(2.0, line["reward"]!.GetValue<double>());
        }
    }

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void AddSolution_FixtureLine_AddsPublishedSolutionAndCountOne(int line)
    {
        var f = KkFixture.All[line];
        var o = new JsonObject { ["names"] = f.Json["names"]!.DeepClone(), ["statements"] = f.Json["statements"]!.DeepClone() };
        KkJson.AddSolution(o);
        Assert.Equal(1, o["n_solutions"]!.GetValue<int>());
        Assert.Equal(f.Solution, o["solution"]!.AsArray().Select(b => b!.GetValue<bool>()));
    }

    [Fact]
    public void AddSolution_Unsatisfiable_NullSolutionZeroCount()
    {
        var o = JsonNode.Parse("""{"names": ["A", "B"], "statements": [["lying", 0], ["telling-truth", 0]]}""")!.AsObject();
        KkJson.AddSolution(o);
        Assert.Null(o["solution"]);
        Assert.Equal(0, o["n_solutions"]!.GetValue<int>());
    }

    [Fact]
    public void AddVerdict_WrongAnswer_WrongWithReward()
    {
        var o = JsonNode.Parse("""
            {"names": ["A", "B"], "statements": [["lying", 1], ["and", ["telling-truth", 0], ["telling-truth", 1]]],
             "solution": [true, false], "response": "CONCLUSION:\n(1) A is a knave\n(2) B is a knave"}
            """)!.AsObject();
        KkJson.AddVerdict(o, KkRewardScheme.WarmUp);
        Assert.False(o["correct"]!.GetValue<bool>());
        Assert.Equal("wrong", o["verdict"]!.GetValue<string>());
        Assert.Equal(-0.5, o["reward"]!.GetValue<double>());
    }

    [Theory]
    [InlineData("""{"statements": [["lying", 1], ["lying", 0]]}""", "names: missing field")]
    [InlineData("""{"names": "A,B", "statements": [["lying", 1], ["lying", 0]]}""", "names: expected an array")]
    [InlineData("""{"names": ["A", 3], "statements": [["lying", 1], ["lying", 0]]}""", "names[1]: expected a non-empty string")]
    [InlineData("""{"names": ["A", "B"]}""", "statements: missing field")]
    [InlineData("""{"names": ["A", "B"], "statements": [["lying", 1]]}""", "statements: expected one per name (2), found 1")]
    [InlineData("""{"names": ["A", "B"], "statements": [["lying", 1], ["xor", 0]]}""", "statements[1]: unknown operator 'xor'")]
    public void AddSolution_BadLine_ThrowsNamingField(string json, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => KkJson.AddSolution(JsonNode.Parse(json)!.AsObject()));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData("""{"response": "x"}""", "solution: missing field")]
    [InlineData("""{"solution": [true, "no"], "response": "x"}""", "solution[1]: expected true or false")]
    [InlineData("""{"solution": [true], "response": "x"}""", "solution: expected 2 roles")]
    [InlineData("""{"solution": null, "response": "x"}""", "solution: expected an array, found null")]
    [InlineData("""{"solution": [true, false]}""", "response: expected a string, found null")]
    [InlineData("""{"solution": [true, false], "response": 5}""", "response: expected a string, found number 5")]
    public void AddVerdict_BadLine_ThrowsNamingField(string extra, string expected)
    {
        var o = JsonNode.Parse(extra)!.AsObject();
        o["names"] = new JsonArray("A", "B");
        o["statements"] = JsonNode.Parse("""[["lying", 1], ["and", ["telling-truth", 0], ["telling-truth", 1]]]""");
        var e = Assert.Throws<ArgumentException>(() => KkJson.AddVerdict(o, KkRewardScheme.Binary));
        Assert.Contains(expected, e.Message);
    }
}
