using System.Text.Json.Nodes;
using ReMiT.Model.Checkpoints;
using ReMiT.Tests.Shared;

namespace ReMiT.Cli.Tests;

/// <summary>The CLI on the checkpoints people have: sharded weights and generation_config.json stop tokens.</summary>
public sealed class ShardedModelCommandTests : IDisposable
{
    private readonly CliHarness _h = new();
    private static readonly string Llama = RepoPaths.Fixture("hf-reference", "llama-tiny");

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Generate_ShardedModelWithGenerationConfigEos_StopsAtItsExtraId()
    {
        // The fixture's greedy continuations (transformers): row 0 is 60, 238, 289, …; row 1 never emits 289.
        string dir = _h.PathOf("sharded");
        using (var model = HfCheckpoint.Load(Llama))
            HfCheckpoint.Save(model, dir, maxShardBytes: 50_000);
        Assert.True(File.Exists(Path.Combine(dir, SafeTensorsIndex.FileName)));
        File.WriteAllText(Path.Combine(dir, "generation_config.json"), """{"bos_token_id": 1, "eos_token_id": [2, 289]}""");
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(Llama, "reference.json")))!.AsObject();
        string input = _h.Write("in.jsonl", reference["greedy_prompt"]!.AsArray().Select(p => new JsonObject { ["input_ids"] = p!.DeepClone() }.ToJsonString()).ToArray());

        var (exit, _, err) = _h.Run("generate", "--model", dir, "--input", input, "--output", _h.PathOf("out.jsonl"),
                                    "--max-new-tokens", "16", "--temperature", "0");

        Assert.True(exit == 0, err);
        var lines = File.ReadAllLines(_h.PathOf("out.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal(new[] { 60, 238, 289 }, lines[0]["completion_ids"]!.AsArray().Select(v => v!.GetValue<int>()));
        Assert.True(lines[0]["stopped"]!.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(reference["greedy_continuation"]![1], lines[1]["completion_ids"]));
        Assert.False(lines[1]["stopped"]!.GetValue<bool>());
    }

    [Fact]
    public void Convert_RandomWeightsFromConfigOnly_WritesShardsOfThatShapeTheSameForTheSameSeed()
    {
        // Only config.json: the fixture's shape (133,440 parameters, 267 KB in bf16) with seeded random weights.
        string config = _h.PathOf("config-only");
        Directory.CreateDirectory(config);
        File.Copy(Path.Combine(Llama, HfCheckpoint.ConfigFile), Path.Combine(config, HfCheckpoint.ConfigFile));
        string[] Args(string outDir, string seed) =>
            ["convert", "--model", config, "--random-weights", seed, "--out", outDir, "--dtype", "bfloat16", "--max-shard-size", "100KB"];

        var (exit, output, err) = _h.Run(Args(_h.PathOf("a"), "5"));
        Assert.True(exit == 0, err);
        Assert.Contains("133,440 parameters", output);
        Assert.True(Directory.GetFiles(_h.PathOf("a"), "model-*-of-*.safetensors").Length >= 2);
        Assert.Equal(0, _h.Run(Args(_h.PathOf("b"), "5")).Exit);
        Assert.Equal(0, _h.Run(Args(_h.PathOf("c"), "6")).Exit);

        string First(string dir) => Directory.GetFiles(_h.PathOf(dir), "model-*-of-*.safetensors").Order().First();
        Assert.True(ModelFiles.SameBytes(First("a"), First("b")), "the same seed must write the same weights");
        Assert.False(ModelFiles.SameBytes(First("a"), First("c")), "another seed must write other weights");
    }

    [Fact]
    public void Convert_RandomWeightsWithoutConfig_NamesTheMissingFile()
    {
        var (exit, _, err) = _h.Run("convert", "--model", _h.Dir, "--random-weights", "1", "--out", _h.PathOf("out"));
        Assert.NotEqual(0, exit);
        Assert.Contains("has no config.json", err);
    }

    [Fact]
    public void Sft_BadMaxShardSize_NamesTheOptionBeforeAnyWork()
    {
        var (exit, _, err) = _h.Run("sft", "--model", Llama, "--out", _h.PathOf("sft"), "--max-shard-size", "five");
        Assert.Equal(2, exit);
        Assert.Contains("--max-shard-size: shard size 'five' is not a positive size", err);
        Assert.False(Directory.Exists(_h.PathOf("sft")));
    }

    [Fact]
    public void Flywheel_BadMaxShardSize_NamesTheOptionBeforeAnyWork()
    {
        var (exit, _, err) = _h.Run("flywheel", "--preset", "smoke", "--out", _h.PathOf("run"), "--max-shard-size", "five");
        Assert.NotEqual(0, exit);
        Assert.Contains("--max-shard-size: shard size 'five' is not a positive size", err);
        Assert.False(Directory.Exists(_h.PathOf("run")));
    }

    [Fact]
    public void Convert_ToShardedBfloat16_ScoresLikeTheSourceAndCarriesGenerationConfig()
    {
        string dir = _h.PathOf("bf16");
        var (exit, output, err) = _h.Run("convert", "--model", Llama, "--out", dir, "--dtype", "bfloat16", "--max-shard-size", "30KB");
        Assert.True(exit == 0, err);
        Assert.Contains("weight file(s) in", output);
        // 30 KB shards of a bf16 model of 133,440 parameters (267 KB): more than two files, plus the index.
        Assert.True(Directory.GetFiles(dir, "model-*-of-*.safetensors").Length > 2);
        Assert.True(File.Exists(Path.Combine(dir, SafeTensorsIndex.FileName)));
        Assert.True(File.Exists(Path.Combine(dir, "generation_config.json")));

        // The converted model is the source rounded to bf16: its next-token log-probs stay close to transformers' float32 ones.
        var reference = JsonNode.Parse(File.ReadAllText(Path.Combine(Llama, "reference.json")))!.AsObject();
        string input = _h.Write("in.jsonl", new JsonObject { ["input_ids"] = reference["input_ids"]![0]!.DeepClone() }.ToJsonString());
        (exit, _, err) = _h.Run("score", "--model", dir, "--input", input, "--output", _h.PathOf("s.jsonl"));
        Assert.True(exit == 0, err);
        var got = JsonNode.Parse(File.ReadAllLines(_h.PathOf("s.jsonl")).Single())!["token_logprobs"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var expected = reference["next_token_logprobs"]![0]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        Assert.Equal(expected.Length, got.Length);
        Assert.All(expected.Zip(got), pair => Assert.True(Math.Abs(pair.First - pair.Second) < 0.05, $"{pair.First} vs {pair.Second}"));
    }
}
