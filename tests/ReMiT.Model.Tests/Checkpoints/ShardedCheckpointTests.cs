using System.Text.Json.Nodes;
using ReMiT.Model.Checkpoints;
using ReMiT.Tests.Shared;
using static TorchSharp.torch;

namespace ReMiT.Model.Tests.Checkpoints;

/// <summary>Sharded safetensors (model.safetensors.index.json + model-0000i-of-0000N.safetensors), read and written.</summary>
public sealed class ShardedCheckpointTests : IDisposable
{
    // llama-tiny: embed_tokens and lm_head are 320×64 float32 = 81,920 bytes, every other tensor ≤ 45,056,
    // so 50,000-byte shards split it into many files and give the two big tensors shards of their own.
    private const long ShardBytes = 50_000;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-sharded-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private string SaveShardedFixture()
    {
        using var model = HfCheckpoint.Load(RepoPaths.Fixture("hf-reference", "llama-tiny"));
        HfCheckpoint.Save(model, _dir, maxShardBytes: ShardBytes);
        return _dir;
    }

    private JsonObject Index() => JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, SafeTensorsIndex.FileName)))!.AsObject();

    [Fact]
    public void Save_PastMaxShardSize_WritesHfNamedShardsAndIndex()
    {
        SaveShardedFixture();
        string[] shards = Directory.GetFiles(_dir, "model-*.safetensors").Select(Path.GetFileName).Order().ToArray()!;
        int n = shards.Length;
        Assert.True(n >= 3, $"expected several shards, got {n}");
        Assert.Equal(Enumerable.Range(1, n).Select(i => $"model-{i:00000}-of-{n:00000}.safetensors"), shards);
        Assert.False(File.Exists(Path.Combine(_dir, "model.safetensors")));

        var index = Index();
        var map = index["weight_map"]!.AsObject();
        using var model = HfCheckpoint.Load(RepoPaths.Fixture("hf-reference", "llama-tiny"));
        var parameters = model.named_parameters().ToList();
        Assert.Equal(parameters.Select(p => p.name).Order(StringComparer.Ordinal), map.Select(kv => kv.Key));   // sorted, complete
        Assert.Equal(parameters.Sum(p => p.parameter.NumberOfElements * 4), index["metadata"]!["total_size"]!.GetValue<long>());
        foreach (string shard in shards)
        {
            var header = SafeTensorsFile.ReadHeader(Path.Combine(_dir, shard));
            long bytes = header.Tensors.Sum(t => t.ByteLength);
            Assert.True(bytes <= ShardBytes || header.Tensors.Count == 1, $"{shard} holds {bytes} bytes in {header.Tensors.Count} tensors");
            Assert.All(header.Tensors, t => Assert.Equal(shard, map[t.Name]!.GetValue<string>()));
            Assert.Equal("pt", header.Metadata["format"]);
        }
    }

    [Fact]
    public void Load_ShardedFixture_MatchesTransformersLogits()
    {
        SaveShardedFixture();
        var reference = JsonNode.Parse(File.ReadAllText(RepoPaths.Fixture("hf-reference", "llama-tiny", "reference.json")))!.AsObject();
        long[][] ids = reference["input_ids"]!.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<long>()).ToArray()).ToArray();
        using var model = HfCheckpoint.Load(_dir);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.Forward(tensor(ids.SelectMany(r => r).ToArray(), [ids.Length, ids[0].Length]));
        var expected = tensor(reference["logits"]!.AsArray().Select(v => v!.GetValue<float>()).ToArray()).reshape(logits.shape);
        double error = (logits - expected).abs().max().item<float>();
        Assert.True(error < 1e-4, $"max |Δlogit| = {error}");
    }

    [Fact]
    public void SaveThenLoad_ShardedBfloat16_IsBitExactToTheBfloat16Weights()
    {
        using var model = HfCheckpoint.Load(RepoPaths.Fixture("hf-reference", "llama-tiny"));
        HfCheckpoint.Save(model, _dir, ScalarType.BFloat16, maxShardBytes: ShardBytes / 2);
        Assert.Contains("\"dtype\": \"bfloat16\"", File.ReadAllText(Path.Combine(_dir, "config.json")));
        using var again = HfCheckpoint.Load(_dir, dtype: ScalarType.BFloat16);
        var original = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in again.named_parameters())
        {
            using var rounded = original[name].to(ScalarType.BFloat16);
            Assert.True(rounded.bytes.SequenceEqual(p.bytes), $"{name} differs after the bf16 round trip");
        }
    }

    [Fact]
    public void Load_Float32CheckpointAsBfloat16_ReadsIntoBfloat16ParametersRoundedAsACastWould()
    {
        // The model is built in bfloat16 (no float32 copy while loading); each float32 tensor is rounded on the way in,
        // and must give the bits that loading in float32 and casting gives.
        string fixture = RepoPaths.Fixture("hf-reference", "llama-tiny");
        using var f32 = HfCheckpoint.Load(fixture);
        using var bf16 = HfCheckpoint.Load(fixture, dtype: ScalarType.BFloat16);
        var reference = f32.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(reference.Count, bf16.named_parameters().Count());
        foreach (var (name, p) in bf16.named_parameters())
        {
            Assert.Equal(ScalarType.BFloat16, p.dtype);
            using var cast = reference[name].to(ScalarType.BFloat16);
            Assert.True(cast.bytes.SequenceEqual(p.bytes), $"{name} differs from the float32 load cast to bfloat16");
        }
    }

    [Fact]
    public void Constructor_WithDtype_CreatesEveryParameterInIt()
    {
        using var model = new DecoderModel(ModelPresets.Get("smoke").Config, ScalarType.BFloat16);
        Assert.All(model.named_parameters(), p => Assert.Equal(ScalarType.BFloat16, p.parameter.dtype));
    }

    [Fact]
    public void Save_SingleFileAfterSharded_RemovesShardsAndIndex()
    {
        SaveShardedFixture();
        using var model = HfCheckpoint.Load(_dir);
        HfCheckpoint.Save(model, _dir);
        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(_dir, "model*").Select(f => Path.GetFileName(f)));
        using var again = HfCheckpoint.Load(_dir);
        Assert.Equal(model.Config, again.Config);
    }

    [Fact]
    public void Load_MissingShard_NamesTheFile()
    {
        SaveShardedFixture();
        string shard = $"model-00002-of-{ShardCount():00000}.safetensors";
        File.Delete(Path.Combine(_dir, shard));
        var e = Assert.Throws<FileNotFoundException>(() => HfCheckpoint.Load(_dir));
        Assert.Contains($"shard '{shard}'", e.Message);
        Assert.Contains("is missing", e.Message);
    }

    [Fact]
    public void Load_TensorListedButNotInItsShard_NamesFileAndTensor()
    {
        SaveShardedFixture();
        var index = Index();
        string shard = $"model-00001-of-{ShardCount():00000}.safetensors";
        index["weight_map"]!["model.layers.9.mlp.up_proj.weight"] = shard;
        File.WriteAllText(Path.Combine(_dir, SafeTensorsIndex.FileName), index.ToJsonString());
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(_dir));
        Assert.Equal($"model.safetensors.index.json puts tensor 'model.layers.9.mlp.up_proj.weight' in {shard}, but {shard} does not hold it; " +
                     "the shard is incomplete or from another checkpoint.", e.Message);
    }

    [Fact]
    public void Load_TensorInTwoShards_NamesBothFiles()
    {
        Directory.CreateDirectory(_dir);
        File.Copy(RepoPaths.Fixture("hf-reference", "llama-tiny", "config.json"), Path.Combine(_dir, "config.json"));
        using (var scope = NewDisposeScope())
        {
            var all = SafeTensorsFile.Load(RepoPaths.Fixture("hf-reference", "llama-tiny", "model.safetensors"));
            var first = all.Where(kv => kv.Key != "lm_head.weight").ToList();
            var second = all.Where(kv => kv.Key is "lm_head.weight" or "model.norm.weight").ToList();   // model.norm.weight twice
            SafeTensorsFile.Save(Path.Combine(_dir, "model-00001-of-00002.safetensors"), first);
            SafeTensorsFile.Save(Path.Combine(_dir, "model-00002-of-00002.safetensors"), second);
            var map = first.ToDictionary(kv => kv.Key, _ => "model-00001-of-00002.safetensors");
            map["lm_head.weight"] = "model-00002-of-00002.safetensors";
            File.WriteAllText(Path.Combine(_dir, SafeTensorsIndex.FileName), new SafeTensorsIndex(map, null).ToJson());
        }
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(_dir));
        Assert.Equal("tensor 'model.norm.weight' is in both model-00001-of-00002.safetensors and model-00002-of-00002.safetensors; " +
                     "a tensor must be in one shard only.", e.Message);
    }

    [Fact]
    public void Load_ShapeMismatchInShard_NamesTensorShapesAndFile()
    {
        SaveShardedFixture();
        string config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"intermediate_size\": 176", "\"intermediate_size\": 128"));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(_dir));
        Assert.StartsWith(Path.Combine(_dir, "model.safetensors.index.json") + ": does not match config.json", e.Message);
        Assert.Matches(@"tensor 'model\.layers\.0\.mlp\.up_proj\.weight' has shape \[176,64\], the config needs \[128,64\] \(in model-\d{5}-of-\d{5}\.safetensors\)", e.Message);
    }

    [Fact]
    public void Load_BothSingleFileAndIndex_RefusesAsAmbiguous()
    {
        SaveShardedFixture();
        File.Copy(RepoPaths.Fixture("hf-reference", "llama-tiny", "model.safetensors"), Path.Combine(_dir, "model.safetensors"));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(_dir));
        Assert.Contains("holds both model.safetensors and model.safetensors.index.json", e.Message);
    }

    [Theory]
    [InlineData("{\"weight_map\": {\"a\": \"../model.safetensors\"}}", "'weight_map.a' is \"../model.safetensors\"; expected a file name in the same folder")]
    [InlineData("{\"weight_map\": {\"a\": 3}}", "'weight_map.a' is 3; expected a shard file name")]
    [InlineData("{\"metadata\": {}}", "'weight_map' is missing")]
    [InlineData("{\"weight_map\": {\"a\": \"x.safetensors\"}, \"metadata\": {\"total_size\": -1}}", "'metadata.total_size' is -1")]
    public void IndexParse_BadIndex_NamesFileAndKey(string json, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => SafeTensorsIndex.Parse(json, "model.safetensors.index.json"));
        Assert.StartsWith("model.safetensors.index.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Plan_OversizeTensor_GetsOwnShardAndOthersFillInOrder()
    {
        // 8-byte limit: a(4)+b(4) fill one shard; c(10) is too big and goes alone; d(3) starts the next.
        var shards = SafeTensorsShards.Plan([("a", 4), ("b", 4), ("c", 10), ("d", 3), ("e", 5)], 8);
        Assert.Equal(new[] { new[] { "c" }, new[] { "a", "b" }, new[] { "d", "e" } }, shards.Select(s => s.ToArray()));
    }

    [Theory]
    [InlineData("5GB", 5_000_000_000L)]
    [InlineData("2GiB", 2_147_483_648L)]
    [InlineData("500MB", 500_000_000L)]
    [InlineData("1.5kb", 1_500L)]
    [InlineData("123456", 123_456L)]
    public void ShardSizeParse_UnitsAsTransformers_GivesBytes(string text, long bytes) => Assert.Equal(bytes, ShardSize.Parse(text));

    [Theory]
    [InlineData("0")]
    [InlineData("-5GB")]
    [InlineData("five GB")]
    public void ShardSizeParse_NotAPositiveSize_Throws(string text) =>
        Assert.Contains($"shard size '{text}' is not a positive size", Assert.Throws<ArgumentException>(() => ShardSize.Parse(text)).Message);

    private int ShardCount() => Directory.GetFiles(_dir, "model-*.safetensors").Length;
}
