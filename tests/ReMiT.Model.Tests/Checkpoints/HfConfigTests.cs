using System.Text.Json.Nodes;
using ReMiT.Model.Checkpoints;
using ReMiT.Tests.Shared;

namespace ReMiT.Model.Tests.Checkpoints;

public sealed class HfConfigTests
{
    private static readonly DecoderConfig LlamaTiny = new()
    {
        ModelType = "llama", VocabSize = 320, HiddenSize = 64, IntermediateSize = 176, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 16, RmsNormEps = 1e-6, RopeTheta = 10000.0,
        MaxPositionEmbeddings = 256, AttentionBias = false, TieWordEmbeddings = false,
        BosTokenId = 1, EosTokenId = 2, PadTokenId = null,
    };

    private static readonly DecoderConfig Qwen2Tiny = new()
    {
        ModelType = "qwen2", VocabSize = 288, HiddenSize = 64, IntermediateSize = 160, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 1, HeadDim = 16, RmsNormEps = 1e-6, RopeTheta = 1000000.0,
        MaxPositionEmbeddings = 256, AttentionBias = true, TieWordEmbeddings = true,
        BosTokenId = null, EosTokenId = null, PadTokenId = null,
    };

    [Fact]
    public void Load_LlamaFixture_GivesExpectedConfig()
    {
        Assert.Equal(LlamaTiny, HfConfig.Load(RepoPaths.Fixture("hf-reference", "llama-tiny", "config.json")));
    }

    [Fact]
    public void Load_Qwen2Fixture_GivesBiasAndTiedHeadFromFile()
    {
        Assert.Equal(Qwen2Tiny, HfConfig.Load(RepoPaths.Fixture("hf-reference", "qwen2-tiny", "config.json")));
    }

    [Fact]
    public void ToJsonThenParse_BothFixturesAndAVariant_GiveEqualConfigs()
    {
        var variant = LlamaTiny with { AttentionBias = true, TieWordEmbeddings = true, PadTokenId = 0, RmsNormEps = 1e-5, RopeTheta = 500000.5 };
        foreach (var config in new[] { LlamaTiny, Qwen2Tiny, variant })
            Assert.Equal(config, HfConfig.Parse(HfConfig.ToJson(config), "roundtrip.json"));
    }

    [Fact]
    public void Save_Llama_WritesWhatTransformersExpects()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("remit-cfg-").FullName, "config.json");
        HfConfig.Save(LlamaTiny, path, "bfloat16");
        string text = File.ReadAllText(path);
        var o = JsonNode.Parse(text)!.AsObject();

        Assert.Equal("LlamaForCausalLM", (string)o["architectures"]![0]!);
        Assert.Equal("llama", (string)o["model_type"]!);
        Assert.Equal("bfloat16", (string)o["dtype"]!);
        Assert.Equal("bfloat16", (string)o["torch_dtype"]!);
        Assert.Equal("5.17.0", (string)o["transformers_version"]!);
        Assert.True((bool)o["use_cache"]!);
        Assert.False((bool)o["mlp_bias"]!);
        Assert.Null(o["pad_token_id"]);
        Assert.True(o.ContainsKey("pad_token_id"));
        // Written as Python floats, in both the 4.x and 5.x places.
        Assert.Contains("\"rope_theta\": 10000.0", text);
        Assert.Contains("\"rms_norm_eps\": 1e-06", text);
        Assert.Equal("default", (string)o["rope_parameters"]!["rope_type"]!);
        Assert.Equal(o.Select(kv => kv.Key).Order(StringComparer.Ordinal), o.Select(kv => kv.Key));
        Assert.Equal(LlamaTiny, HfConfig.Load(path));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }

    [Fact]
    public void ToJson_Qwen2_WritesFullAttentionLayersAndNoSlidingWindow()
    {
        var o = JsonNode.Parse(HfConfig.ToJson(Qwen2Tiny))!.AsObject();

        Assert.Equal("Qwen2ForCausalLM", (string)o["architectures"]![0]!);
        Assert.False((bool)o["use_sliding_window"]!);
        Assert.Equal(["full_attention", "full_attention"], o["layer_types"]!.AsArray().Select(n => (string)n!));
        Assert.True((bool)o["tie_word_embeddings"]!);
    }

    [Fact]
    public void Parse_MinimalLlama_AppliesTransformersDefaults()
    {
        var c = HfConfig.Parse(Minimal("llama"), "config.json");

        Assert.Equal(8, c.NumKeyValueHeads); // = num_attention_heads
        Assert.Equal(16, c.HeadDim);         // = hidden_size / num_attention_heads
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Equal(2048, c.MaxPositionEmbeddings);
        Assert.False(c.AttentionBias);
        Assert.False(c.TieWordEmbeddings);
        Assert.Null(c.EosTokenId);
    }

    [Fact]
    public void Parse_Qwen2WithoutBiasKey_AlwaysHasAttentionBias()
    {
        var c = HfConfig.Parse(Minimal("qwen2", """ "attention_bias": false, "max_position_embeddings": null """), "config.json");
        Assert.True(c.AttentionBias);
        Assert.Equal(32768, c.MaxPositionEmbeddings);
    }

    [Fact]
    public void Parse_TopLevelRopeThetaAndEosList_ReadsTransformers4Style()
    {
        var c = HfConfig.Parse(Minimal("qwen2", """ "rope_theta": 1000000.0, "eos_token_id": [151645, 151643], "bos_token_id": 151643 """), "config.json");
        Assert.Equal(1000000.0, c.RopeTheta);
        Assert.Equal(151645, c.EosTokenId);
        Assert.Equal(151643, c.BosTokenId);
    }

    [Fact]
    public void Parse_RopeThetaDisagreesWithRopeParameters_NamesBoth()
    {
        var e = Assert.Throws<InvalidDataException>(() => HfConfig.Parse(
            Minimal("llama", """ "rope_theta": 10000.0, "rope_parameters": {"rope_theta": 500000.0, "rope_type": "default"} """), "config.json"));
        Assert.Equal("config.json: 'rope_theta' is 10000 but 'rope_parameters.rope_theta' is 500000; make them equal.", e.Message);
    }

    [Theory]
    [InlineData("\"model_type\": \"mistral\"", "'model_type' is \"mistral\"; only \"llama\", \"qwen2\" and \"qwen3\" are supported")]
    [InlineData("\"hidden_act\": \"gelu\"", "'hidden_act' is \"gelu\", which is not supported")]
    [InlineData("\"mlp_bias\": true", "'mlp_bias' is true, which is not supported")]
    [InlineData("\"use_sliding_window\": true", "'use_sliding_window' is true, which is not supported")]
    [InlineData("\"rope_scaling\": {\"rope_type\": \"dynamic\", \"factor\": 8.0}", "'rope_scaling.rope_type' is \"dynamic\", which is not supported")]
    [InlineData("\"rope_parameters\": {\"rope_type\": \"yarn\", \"rope_theta\": 10000.0}", "'rope_parameters.rope_type' is \"yarn\", which is not supported")]
    [InlineData("\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}", "'rope_scaling.type' is \"linear\", which is not supported")]
    [InlineData("\"layer_types\": [\"full_attention\", \"sliding_attention\"]", "'layer_types' is [\"full_attention\",\"sliding_attention\"], which is not supported")]
    [InlineData("\"hidden_size\": \"128\"", "'hidden_size' is \"128\"; expected an integer")]
    [InlineData("\"hidden_size\": 127.5", "'hidden_size' is 127.5; expected an integer")]
    [InlineData("\"vocab_size\": null", "'vocab_size' is missing; a Llama/Qwen config.json must set it")]
    [InlineData("\"num_key_value_heads\": 3", "invalid model config:\n  num_key_value_heads must divide num_attention_heads (8), got 3.")]
    public void Parse_UnsupportedOrBadField_NamesFileAndKey(string overrideJson, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => HfConfig.Parse(Minimal("llama", overrideJson), "my/config.json"));
        Assert.StartsWith("my/config.json: ", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Parse_InvalidJson_SaysSo()
    {
        var e = Assert.Throws<InvalidDataException>(() => HfConfig.Parse("{\"model_type\": ", "config.json"));
        Assert.StartsWith("config.json: not valid JSON (", e.Message);
    }

    [Fact]
    public void ToJson_UnknownDtype_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => HfConfig.ToJson(LlamaTiny, "fp32"));
        Assert.Contains("dtype 'fp32'", e.Message);
    }

    /// <summary>A config with only the required keys; later keys in <paramref name="extra"/> override earlier ones.</summary>
    internal static string Minimal(string modelType, string extra = "")
    {
        var o = new JsonObject
        {
            ["model_type"] = modelType, ["vocab_size"] = 100, ["hidden_size"] = 128, ["intermediate_size"] = 256,
            ["num_hidden_layers"] = 2, ["num_attention_heads"] = 8,
        };
        if (extra.Length > 0)
            foreach (var (k, v) in JsonNode.Parse("{" + extra + "}")!.AsObject())
                o[k] = v?.DeepClone();
        return o.ToJsonString();
    }
}
