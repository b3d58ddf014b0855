using System.Text.Json.Nodes;
using ReMiT.Tests.Shared;

namespace ReMiT.Cli.Tests;

public sealed class ModelCommandTests : IDisposable
{
    private readonly CliHarness _h = new();
    private static readonly string Llama = RepoPaths.Fixture("hf-reference", "llama-tiny");
    private static readonly JsonObject Reference =
        JsonNode.Parse(File.ReadAllText(Path.Combine(Llama, "reference.json")))!.AsObject();

    public void Dispose() => _h.Dispose();

    private JsonObject[] Read(string name) =>
        File.ReadAllLines(_h.PathOf(name)).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();

    [Fact]
    public void Score_HfFixture_TokenLogProbsMatchTransformers()
    {
        var ids = Reference["input_ids"]!.AsArray();
        string input = _h.Write("in.jsonl",
            new JsonObject { ["id"] = "a", ["input_ids"] = ids[0]!.DeepClone() }.ToJsonString(),
            new JsonObject { ["id"] = "b", ["input_ids"] = ids[1]!.DeepClone() }.ToJsonString(),
            """{"id": "c", "text": "no tokenizer here"}""");

        var (exit, _, err) = _h.Run("score", "--model", Llama, "--input", input, "--output", _h.PathOf("out.jsonl"), "--batch-size", "2");

        Assert.Equal(1, exit);
        Assert.Contains($"{input}:3: has 'text' but", err);
        var lines = Read("out.jsonl");
        Assert.Equal(["a", "b"], lines.Select(l => l["id"]!.GetValue<string>()));
        for (int i = 0; i < 2; i++)
        {
            var expected = Reference["next_token_logprobs"]![i]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            var actual = lines[i]["token_logprobs"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (int t = 0; t < expected.Length; t++) Assert.True(Math.Abs(expected[t] - actual[t]) <= 1e-4, $"row {i} token {t}");
        }
    }

    [Fact]
    public void Generate_Greedy_MatchesTransformersAndOneLinePerSample()
    {
        var prompts = Reference["greedy_prompt"]!.AsArray();
        string input = _h.Write("in.jsonl", prompts.Select(p => new JsonObject { ["input_ids"] = p!.DeepClone() }.ToJsonString()).ToArray());

        var (exit, _, err) = _h.Run("generate", "--model", Llama, "--input", input, "--output", _h.PathOf("greedy.jsonl"),
                                    "--max-new-tokens", "16", "--temperature", "0");
        Assert.True(exit == 0, err);
        var lines = Read("greedy.jsonl");
        for (int i = 0; i < 2; i++)
            Assert.True(JsonNode.DeepEquals(Reference["greedy_continuation"]![i], lines[i]["completion_ids"]));

        Assert.Equal(0, _h.Run("generate", "--model", Llama, "--input", input, "--output", _h.PathOf("s.jsonl"),
                               "--max-new-tokens", "5", "--n-samples", "3", "--seed", "4").Exit);
        var samples = Read("s.jsonl");
        Assert.Equal(6, samples.Length);
        Assert.Equal([0, 1, 2, 0, 1, 2], samples.Select(s => s["sample_index"]!.GetValue<int>()));
        Assert.All(samples, s => Assert.Equal(s["completion_ids"]!.AsArray().Count, s["completion_logprobs"]!.AsArray().Count));
    }

    [Fact]
    public void Generate_BadOptions_ClearErrorNoOutput()
    {
        string input = _h.Write("in.jsonl", """{"input_ids": [1, 2, 3]}""");
        var (exit, _, err) = _h.Run("generate", "--model", Llama, "--input", input, "--output", _h.PathOf("o.jsonl"),
                                    "--max-new-tokens", "4", "--top-p", "1.5");
        Assert.Equal(2, exit);
        Assert.Contains("top-p must be in (0, 1]", err);
        Assert.False(File.Exists(_h.PathOf("o.jsonl")));
        (exit, _, err) = _h.Run("score", "--model", _h.Dir, "--input", input, "--output", _h.PathOf("o.jsonl"));
        Assert.Equal(2, exit);
        Assert.Contains("config.json is missing", err);
    }
}

public sealed class WeightsCommandTests : IDisposable
{
    private readonly CliHarness _h = new();
    private static readonly string Llama = ReMiT.Tests.Shared.RepoPaths.Fixture("hf-reference", "llama-tiny");

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Weights_GuideEqualsPolicy_EveryWeightIsOneAndDeltaZero()
    {
        string input = _h.Write("in.jsonl", """{"input_ids": [5, 17, 3, 44, 9, 2, 61]}""");
        var (exit, _, err) = _h.Run("weights", "--policy", Llama, "--guide", Llama, "--input", input, "--output", _h.PathOf("o.jsonl"));
        Assert.True(exit == 0, err);
        var line = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(_h.PathOf("o.jsonl")))!;
        Assert.Equal(Enumerable.Repeat(1.0, 6), line["weights"]!.AsArray().Select(w => w!.GetValue<double>()));
        Assert.All(line["delta"]!.AsArray(), d => Assert.Equal(0.0, d!.GetValue<double>()));
    }

    [Fact]
    public void Weights_Rho1_KeepsTheTrainingSelectionsShareWithDeterministicTies()
    {
        string input = _h.Write("in.jsonl", """{"input_ids": [5, 17, 3, 44, 9, 2, 61]}""");
        var (exit, _, err) = _h.Run("weights", "--policy", Llama, "--guide", Llama, "--scheme", "rho1", "--input", input, "--output", _h.PathOf("o.jsonl"));
        Assert.True(exit == 0, err);
        var line = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(_h.PathOf("o.jsonl")))!;
        // equal excess loss everywhere: the first ceil(0.8 · 6) = 5 tokens are kept, as in training
        Assert.Equal([1.0, 1.0, 1.0, 1.0, 1.0, 0.0], line["weights"]!.AsArray().Select(w => w!.GetValue<double>()));
    }

    [Fact]
    public void Weights_BadEpsilon_ClearError()
    {
        string input = _h.Write("in.jsonl", """{"input_ids": [1, 2]}""");
        var (exit, _, err) = _h.Run("weights", "--policy", Llama, "--guide", Llama, "--input", input, "--output", _h.PathOf("o.jsonl"), "--epsilon", "1.5");
        Assert.Equal(2, exit);
        Assert.Contains("--epsilon must be in (0, 1)", err);
    }
}
