using System.Text.Json.Nodes;
using ReMiT.Tasks.Gsm;

namespace ReMiT.Tasks.Tests.Gsm;

public sealed class GsmJsonTests
{
    [Fact]
    public void ToJson_Problem_HasAllFields()
    {
        var p = new GsmGenerator().Generate(12, GsmTemplate.Zoo, GsmMode.Forward, 5);
        var j = GsmJson.ToJson(p);
        Assert.Equal("gsm", (string)j["task"]!);
        Assert.Equal(12, (int)j["op"]!);
        Assert.Equal("crazy_zootopia", (string)j["template"]!);
        Assert.Equal("normalforward", (string)j["mode"]!);
        Assert.Equal("edge", (string)j["split"]!);
        Assert.Equal(p.Text, (string)j["text"]!);
        Assert.StartsWith((string)j["prompt"]!, p.Text);
        Assert.EndsWith("<solution>", (string)j["prompt"]!);
        Assert.EndsWith($"Answer: {p.Answer}.", (string)j["solution"]!);
    }

    [Fact]
    public void AddRewards_GoldResponse_AddsOnes()
    {
        var p = new GsmGenerator().Generate(6, GsmTemplate.Teachers, GsmMode.Reverse, 9);
        var line = GsmJson.ToJson(p);
        line["response"] = p.GoldResponse;
        GsmJson.AddRewards(line);
        Assert.Equal(1.0, (double)line["outcome_reward"]!);
        Assert.Equal(1.0, (double)line["process_reward"]!);
        Assert.Equal(1.0, (double)line["reward"]!);
    }

    [Fact]
    public void AddRewards_MissingResponse_ThrowsNamingField()
    {
        var line = new JsonObject { ["solution"] = "Define a in X as a; so a = 1. Answer: 1.", ["answer"] = "1" };
        var ex = Assert.Throws<ArgumentException>(() => GsmJson.AddRewards(line));
        Assert.Contains("missing field 'response'", ex.Message);
    }

    [Fact]
    public void AddRewards_NonStringAnswer_ThrowsNamingField()
    {
        var line = new JsonObject { ["solution"] = "x", ["answer"] = 3, ["response"] = "y" };
        var ex = Assert.Throws<ArgumentException>(() => GsmJson.AddRewards(line));
        Assert.Contains("'answer'", ex.Message);
    }
}
