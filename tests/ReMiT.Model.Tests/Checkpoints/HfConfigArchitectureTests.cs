using System.Diagnostics;
using System.Text.Json.Nodes;
using ReMiT.Model.Checkpoints;
using ReMiT.Tests.Shared;

namespace ReMiT.Model.Tests.Checkpoints;

/// <summary>config.json for Llama 3 (scaled RoPE) and Qwen3, and the bounds checked before anything is allocated.</summary>
public sealed class HfConfigArchitectureTests
{
    // Llama 3.1/3.2's published rope_scaling block.
    private const string Llama3Rope = """{"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0, "original_max_position_embeddings": 8192, "rope_type": "llama3"}""";
    private static readonly Llama3RopeScaling Llama3 = new(8.0, 1.0, 4.0, 8192);

    [Fact]
    public void Parse_Llama3RopeScaling_ReadsTransformers4Key()
    {
        var c = HfConfig.Parse(Minimal("llama", $"\"rope_theta\": 500000.0, \"rope_scaling\": {Llama3Rope}"), "config.json");
        Assert.Equal(Llama3, c.RopeScaling);
        Assert.Equal(500000.0, c.RopeTheta);
    }

    [Fact]
    public void Parse_Llama3RopeParameters_ReadsTransformers5Key()
    {
        string nested = Llama3Rope.Replace("}", ", \"rope_theta\": 500000.0}");
        var c = HfConfig.Parse(Minimal("llama", $"\"rope_parameters\": {nested}"), "config.json");
        Assert.Equal(Llama3, c.RopeScaling);
        Assert.Equal(500000.0, c.RopeTheta);
    }

    [Fact]
    public void Parse_RopeScalingAndParametersDisagree_NamesBoth()
    {
        string other = Llama3Rope.Replace("8.0", "32.0");
        var e = Assert.Throws<InvalidDataException>(() => HfConfig.Parse(
            Minimal("llama", $"\"rope_scaling\": {Llama3Rope}, \"rope_parameters\": {other}"), "config.json"));
        Assert.Contains("'rope_scaling.rope_type' and 'rope_parameters.rope_type' describe different RoPE scaling", e.Message);
    }

    [Theory]
    [InlineData("\"rope_scaling\": {\"rope_type\": \"yarn\", \"factor\": 4.0}", "'rope_scaling.rope_type' is \"yarn\", which is not supported")]
    [InlineData("\"rope_parameters\": {\"rope_type\": \"longrope\"}", "'rope_parameters.rope_type' is \"longrope\", which is not supported")]
    [InlineData("\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0}",
                "'rope_scaling.original_max_position_embeddings' is missing")]
    [InlineData("\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": \"8\", \"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 8192}",
                "'rope_scaling.factor' is \"8\"; expected a number")]
    [InlineData("\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 4.0, \"high_freq_factor\": 1.0, \"original_max_position_embeddings\": 8192}",
                "rope_scaling.high_freq_factor must be > low_freq_factor (4), got 1.")]
    [InlineData("\"model_type\": \"qwen3\", \"attention_bias\": true", "'attention_bias' is true, which is not supported")]
    public void Parse_UnsupportedRopeOrQwen3Bias_NamesKeyAndValue(string extra, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => HfConfig.Parse(Minimal("llama", extra), "config.json"));
        Assert.StartsWith("config.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Parse_Qwen3_HasQueryKeyNormExplicitHeadDimAndNoBias()
    {
        // Qwen3-0.6B's shape: head_dim 128 while hidden_size / num_attention_heads = 1024 / 16 = 64.
        var c = HfConfig.Parse(Minimal("qwen3", """ "hidden_size": 1024, "num_attention_heads": 16, "num_key_value_heads": 8, "head_dim": 128, "rope_theta": 1000000 """), "config.json");
        Assert.True(c.QueryKeyNorm);
        Assert.Equal(128, c.HeadDim);
        Assert.False(c.AttentionBias);
        Assert.Equal(32768, c.MaxPositionEmbeddings);
        // Qwen3Config's own default head_dim is 128 too.
        Assert.Equal(128, HfConfig.Parse(Minimal("qwen3"), "config.json").HeadDim);
    }

    [Fact]
    public void ToJsonThenParse_Llama3AndQwen3_GiveEqualConfigs()
    {
        var llama3 = HfConfig.Parse(Minimal("llama", $"\"rope_theta\": 500000.0, \"rope_scaling\": {Llama3Rope}"), "a");
        var qwen3 = HfConfig.Parse(Minimal("qwen3", "\"head_dim\": 32"), "b");
        foreach (var config in new[] { llama3, qwen3 })
            Assert.Equal(config, HfConfig.Parse(HfConfig.ToJson(config), "roundtrip.json"));
        var o = JsonNode.Parse(HfConfig.ToJson(llama3))!.AsObject();
        Assert.Equal("llama3", (string)o["rope_parameters"]!["rope_type"]!);
        Assert.Equal(8192, (int)o["rope_scaling"]!["original_max_position_embeddings"]!);
        Assert.Equal("Qwen3ForCausalLM", (string)JsonNode.Parse(HfConfig.ToJson(qwen3))!["architectures"]![0]!);
    }

    [Fact]
    public void Parse_TwoBillionLayers_FailsFastNamingTheKey()
    {
        var clock = Stopwatch.StartNew();
        var e = Assert.Throws<InvalidDataException>(() => HfConfig.Parse(Minimal("llama", "\"num_hidden_layers\": 2000000000"), "config.json"));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
        Assert.Contains("num_hidden_layers is 2000000000, above the limit of 1024", e.Message);
    }

    [Fact]
    public void Load_TwoBillionLayersBesideRealWeights_FailsBeforeAllocating()
    {
        string dir = Directory.CreateTempSubdirectory("remit-huge-").FullName;
        try
        {
            File.Copy(RepoPaths.Fixture("hf-reference", "llama-tiny", "model.safetensors"), Path.Combine(dir, "model.safetensors"));
            string config = File.ReadAllText(RepoPaths.Fixture("hf-reference", "llama-tiny", "config.json"));
            File.WriteAllText(Path.Combine(dir, "config.json"), config.Replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 2000000000"));
            var clock = Stopwatch.StartNew();
            var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(dir));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"took {clock.Elapsed}");
            Assert.StartsWith("config.json: invalid model config:", e.Message);
            Assert.Contains("num_hidden_layers is 2000000000", e.Message);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Validate_SizesWithinBoundsButHugeTogether_RefusesByParameterCount()
    {
        var c = new DecoderConfig
        {
            VocabSize = DecoderConfigLimits.MaxVocabSize, HiddenSize = DecoderConfigLimits.MaxHiddenSize, IntermediateSize = DecoderConfigLimits.MaxIntermediateSize,
            NumHiddenLayers = DecoderConfigLimits.MaxHiddenLayers, NumAttentionHeads = 64, NumKeyValueHeads = 64, HeadDim = 1024,
        };
        Assert.Contains(c.Validate(), e => e.StartsWith("the config describes", StringComparison.Ordinal));
    }

    private static string Minimal(string modelType, string extra = "") => HfConfigTests.Minimal(modelType, extra);
}
