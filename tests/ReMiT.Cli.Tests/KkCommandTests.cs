using System.Text.Json.Nodes;
using ReMiT.Tests.Shared;

namespace ReMiT.Cli.Tests;

public sealed class KkCommandTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    private JsonObject[] ReadLines(string name) =>
        File.ReadAllLines(_h.PathOf(name)).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();

    [Fact]
    public void DataGen_SameSeed_SameFileAndEveryPuzzleUnique()
    {
        Assert.Equal(0, _h.Run("data", "gen", "--task", "kk", "--people", "2-6", "--n", "30", "--seed", "7", "--out", _h.PathOf("a.jsonl")).Exit);
        Assert.Equal(0, _h.Run("data", "gen", "--task", "kk", "--people", "2-6", "--n", "30", "--seed", "7", "--out", _h.PathOf("b.jsonl")).Exit);
        Assert.Equal(File.ReadAllText(_h.PathOf("a.jsonl")), File.ReadAllText(_h.PathOf("b.jsonl")));

        Assert.Equal(0, _h.Run("kk", "solve", "--input", _h.PathOf("a.jsonl"), "--output", _h.PathOf("s.jsonl")).Exit);
        var generated = ReadLines("a.jsonl");
        var solved = ReadLines("s.jsonl");
        Assert.Equal(30, solved.Length);
        for (int i = 0; i < solved.Length; i++)
        {
            Assert.Equal(1, solved[i]["n_solutions"]!.GetValue<int>());
            Assert.True(JsonNode.DeepEquals(generated[i]["solution"], solved[i]["solution"]));
            int people = generated[i]["n_people"]!.GetValue<int>();
            Assert.InRange(people, 2, 6);
        }
    }

    [Fact]
    public void KkSolve_XieFixture_ReproducesEverySolutionAndPassesFieldsThrough()
    {
        string fixture = RepoPaths.Fixture("external", "kk_xie_sample.jsonl");
        var (exit, _, err) = _h.Run("kk", "solve", "--input", fixture, "--output", _h.PathOf("out.jsonl"));
        Assert.Equal(0, exit);
        Assert.Equal("", err);
        var expected = File.ReadAllLines(fixture).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        var actual = ReadLines("out.jsonl");
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < actual.Length; i++)
        {
            Assert.True(JsonNode.DeepEquals(expected[i]["solution"], actual[i]["solution"]), $"puzzle {i}");
            Assert.Equal(1, actual[i]["n_solutions"]!.GetValue<int>());
            Assert.Equal(expected[i]["cot"]!.GetValue<string>(), actual[i]["cot"]!.GetValue<string>()); // unknown fields pass through
        }
    }

    [Fact]
    public void Verify_WarmUpScheme_RewardsByVerdictAndReportsBadLine()
    {
        string fixture = RepoPaths.Fixture("external", "kk_xie_sample.jsonl");
        var puzzle = JsonNode.Parse(File.ReadLines(fixture).First())!.AsObject();
        string Line(string response)
        {
            var o = puzzle.DeepClone().AsObject();
            o["response"] = response;
            return o.ToJsonString();
        }
        string text = puzzle["solution_text"]!.GetValue<string>();
        string flipped = text.Contains("knave") ? ReplaceFirst(text, "knave", "knight") : ReplaceFirst(text, "knight", "knave");
        string input = _h.Write("in.jsonl",
            Line("Let me think.\nCONCLUSION:\n" + text),
            Line("CONCLUSION:\n" + flipped),
            Line("CONCLUSION:\n" + text.Split('\n')[0]),
            Line("no idea"),
            """{"names": ["A"], "response": "x"}""");

        var (exit, _, err) = _h.Run("verify", "--task", "kk", "--scheme", "warmup", "--input", input, "--output", _h.PathOf("out.jsonl"));

        Assert.Equal(1, exit); // one bad line
        Assert.Contains($"{input}:5:", err);
        var scored = ReadLines("out.jsonl");
        Assert.Equal(["correct", "wrong", "malformed", "malformed"], scored.Select(s => s["verdict"]!.GetValue<string>()));
        Assert.Equal([2.0, -0.5, -1.0, -2.0], scored.Select(s => s["reward"]!.GetValue<double>()));
        Assert.Equal([true, false, false, false], scored.Select(s => s["correct"]!.GetValue<bool>()));
    }

    [Fact]
    public void DataGen_PeopleOutOfRange_ClearErrorAndNoFile()
    {
        var (exit, _, err) = _h.Run("data", "gen", "--task", "kk", "--people", "1-9", "--n", "5", "--out", _h.PathOf("x.jsonl"));
        Assert.Equal(2, exit);
        Assert.Contains("remit data gen: --people '1-9': must lie within 2-8", err);
        Assert.False(File.Exists(_h.PathOf("x.jsonl")));
    }

    private static string ReplaceFirst(string s, string from, string to)
    {
        int i = s.IndexOf(from, StringComparison.Ordinal);
        return s[..i] + to + s[(i + from.Length)..];
    }
}
