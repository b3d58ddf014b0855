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
    public void Sft_BadMaxShardSize_NamesTheOptionBeforeAnyWork()
    {
        var (exit, _, err) = _h.Run("sft", "--model", Llama, "--out", _h.PathOf("sft"), "--max-shard-size", "five");
        Assert.Equal(2, exit);
        Assert.Contains("--max-shard-size: shard size 'five' is not a positive size", err);
        Assert.False(Directory.Exists(_h.PathOf("sft")));
    }
}
