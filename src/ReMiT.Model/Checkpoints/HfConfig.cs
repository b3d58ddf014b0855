using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReMiT.Model.Checkpoints;

/// <summary>
/// Maps a Hugging Face <c>config.json</c> (Llama, Qwen2 or Qwen3) to <see cref="DecoderConfig"/> and back.
/// Anything that would change the forward pass and that our decoder does not implement (another
/// activation, RoPE scaling other than Llama 3's, MLP bias, sliding-window attention) is rejected rather than ignored,
/// so a model never loads "successfully" and then computes something else.
/// </summary>
public static class HfConfig
{
    /// <summary>The transformers release our fixtures come from; written into saved configs.</summary>
    public const string TransformersVersion = "5.17.0";

    /// <exception cref="InvalidDataException">The file is not valid JSON, lacks a field, or describes an unsupported model.</exception>
    public static DecoderConfig Load(string path) => Parse(File.ReadAllText(path), Path.GetFileName(path));

    /// <param name="sourceName">Names the input in error messages, e.g. "config.json".</param>
    /// <exception cref="InvalidDataException">The JSON is invalid, lacks a field, or describes an unsupported model.</exception>
    public static DecoderConfig Parse(string json, string sourceName)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject
                ?? throw Bad(sourceName, "the file must hold a JSON object");
        }
        catch (JsonException e)
        {
            throw Bad(sourceName, $"not valid JSON ({e.Message})", e);
        }
        var r = new HfConfigReader(root, sourceName);

        string modelType = r.String("model_type")
            ?? throw Bad(sourceName, "'model_type' is missing; expected \"llama\", \"qwen2\" or \"qwen3\"");
        if (modelType is not ("llama" or "qwen2" or "qwen3"))
            throw Bad(sourceName, $"'model_type' is \"{modelType}\"; only \"llama\", \"qwen2\" and \"qwen3\" are supported");
        bool qwen2 = modelType == "qwen2", qwen3 = modelType == "qwen3";
        RejectUnsupported(r);
        if (qwen3 && r.Bool("attention_bias") == true)
            throw r.Unsupported("attention_bias", "true", "Qwen3's q/k/v projections have no bias here");

        int hidden = r.Int("hidden_size") ?? throw r.Missing("hidden_size");
        int heads = r.Int("num_attention_heads") ?? throw r.Missing("num_attention_heads");
        // Qwen3Config defaults head_dim to 128, not hidden_size / num_attention_heads.
        int? headDim = r.Int("head_dim") ?? (qwen3 ? 128 : null);
        if (headDim is null && heads > 0 && hidden % heads != 0)
            throw Bad(sourceName, $"'head_dim' is absent and hidden_size {hidden} is not divisible by num_attention_heads {heads}; add head_dim");

        var config = new DecoderConfig
        {
            ModelType = modelType,
            VocabSize = r.Int("vocab_size") ?? throw r.Missing("vocab_size"),
            HiddenSize = hidden,
            IntermediateSize = r.Int("intermediate_size") ?? throw r.Missing("intermediate_size"),
            NumHiddenLayers = r.Int("num_hidden_layers") ?? throw r.Missing("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = r.Int("num_key_value_heads") ?? heads,
            HeadDim = headDim ?? (heads > 0 ? hidden / heads : 0),
            // Defaults are those of transformers' LlamaConfig / Qwen2Config.
            RmsNormEps = r.Double("rms_norm_eps") ?? 1e-6,
            RopeTheta = RopeTheta(r),
            MaxPositionEmbeddings = r.Int("max_position_embeddings") ?? (qwen2 || qwen3 ? 32768 : 2048),
            RopeScaling = HfRopeScaling.Read(r),
            // Qwen2's attention always has q/k/v bias whatever the file says; Llama's follows attention_bias.
            AttentionBias = qwen2 || (r.Bool("attention_bias") ?? false),
            TieWordEmbeddings = r.Bool("tie_word_embeddings") ?? false,
            BosTokenId = r.TokenId("bos_token_id"),
            EosTokenId = r.TokenId("eos_token_id"),
            PadTokenId = r.TokenId("pad_token_id"),
        };
        var errors = config.Validate();
        if (errors.Count > 0)
            throw Bad(sourceName, "invalid model config:\n  " + string.Join("\n  ", errors));
        return config;
    }

    /// <summary>
    /// Writes <paramref name="config"/> as a config.json that transformers loads as
    /// LlamaForCausalLM, Qwen2ForCausalLM or Qwen3ForCausalLM. Keys are sorted, as transformers writes them.
    /// </summary>
    /// <param name="dtype">The weights' dtype as transformers names it ("float32", "bfloat16", "float16").</param>
    public static void Save(DecoderConfig config, string path, string dtype = "float32")
    {
        File.WriteAllText(path, ToJson(config, dtype));
    }

    /// <summary>The text <see cref="Save"/> writes.</summary>
    /// <exception cref="ArgumentException">The config is invalid or <paramref name="dtype"/> is not a transformers dtype name.</exception>
    public static string ToJson(DecoderConfig config, string dtype = "float32")
    {
        config.Validated("config to save");
        if (dtype is not ("float32" or "bfloat16" or "float16"))
            throw new ArgumentException($"dtype '{dtype}' is not one transformers accepts here; use float32, bfloat16 or float16.", nameof(dtype));
        bool qwen2 = config.ModelType == "qwen2", qwen3 = config.ModelType == "qwen3";
        var o = new SortedDictionary<string, JsonNode?>(StringComparer.Ordinal)
        {
            ["architectures"] = new JsonArray(qwen2 ? "Qwen2ForCausalLM" : qwen3 ? "Qwen3ForCausalLM" : "LlamaForCausalLM"),
            ["attention_dropout"] = Real(0.0),
            ["bos_token_id"] = config.BosTokenId,
            ["dtype"] = dtype,
            ["eos_token_id"] = config.EosTokenId,
            ["head_dim"] = config.HeadDim,
            ["hidden_act"] = "silu",
            ["hidden_size"] = config.HiddenSize,
            ["initializer_range"] = Real(0.02),
            ["intermediate_size"] = config.IntermediateSize,
            ["max_position_embeddings"] = config.MaxPositionEmbeddings,
            ["model_type"] = config.ModelType,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_key_value_heads"] = config.NumKeyValueHeads,
            ["pad_token_id"] = config.PadTokenId,
            ["rms_norm_eps"] = Real(config.RmsNormEps),
            ["rope_parameters"] = new JsonObject { ["rope_theta"] = Real(config.RopeTheta), ["rope_type"] = "default" },
            // transformers 4.x reads the top-level keys; 5.x reads rope_parameters and dtype.
            ["rope_theta"] = Real(config.RopeTheta),
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["torch_dtype"] = dtype,
            ["transformers_version"] = TransformersVersion,
            ["use_cache"] = true,
            ["vocab_size"] = config.VocabSize,
        };
        if (config.RopeScaling is { } scaling)
        {
            var parameters = (JsonObject)o["rope_parameters"]!;
            parameters["rope_type"] = "llama3";
            HfRopeScaling.Write(parameters, scaling, Real);
            var legacy = new JsonObject();
            HfRopeScaling.Write(legacy, scaling, Real);
            legacy["rope_type"] = "llama3";
            o["rope_scaling"] = legacy;
        }
        if (qwen2 || qwen3)
        {
            o["layer_types"] = new JsonArray([.. Enumerable.Repeat("full_attention", config.NumHiddenLayers).Select(l => (JsonNode?)l)]);
            o["max_window_layers"] = config.NumHiddenLayers;
            o["sliding_window"] = null;
            o["use_sliding_window"] = false;
            if (qwen3) o["attention_bias"] = false;
        }
        else
        {
            o["attention_bias"] = config.AttentionBias;
            o["mlp_bias"] = false;
            o["pretraining_tp"] = 1;
        }
        var root = new JsonObject(o);
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    private static void RejectUnsupported(HfConfigReader r)
    {
        string act = r.String("hidden_act") ?? "silu";
        if (act != "silu")
            throw r.Unsupported("hidden_act", $"\"{act}\"", "only \"silu\" (SwiGLU) is implemented");
        if (r.Bool("mlp_bias") == true)
            throw r.Unsupported("mlp_bias", "true", "the MLP has no bias here");
        if (r.Bool("use_sliding_window") == true)
            throw r.Unsupported("use_sliding_window", "true", "only full attention is implemented");
        if (r.Array("layer_types") is { } layers && layers.Any(l => l?.GetValueKind() != JsonValueKind.String || (string)l! != "full_attention"))
            throw r.Unsupported("layer_types", layers.ToJsonString(), "only \"full_attention\" layers are implemented");
    }

    /// <summary>transformers 5 nests rope_theta in rope_parameters; 4.x keeps it at top level. Both must agree when present.</summary>
    private static double RopeTheta(HfConfigReader r)
    {
        double? top = r.Double("rope_theta");
        double? nested = null;
        if (r.Object("rope_parameters") is { } rope && rope["rope_theta"] is { } node)
            nested = node.GetValueKind() == JsonValueKind.Number
                ? node.GetValue<double>()
                : throw Bad(r.Source, $"'rope_parameters.rope_theta' is {node.ToJsonString()}; expected a number");
        if (top is not null && nested is not null && top != nested)
            throw Bad(r.Source, $"'rope_theta' is {top} but 'rope_parameters.rope_theta' is {nested}; make them equal");
        return nested ?? top ?? 10000.0;
    }

    /// <summary>A double spelled as Python's repr spells it (10000.0, 1e-06), so the file reads like one transformers wrote.</summary>
    private static JsonNode Real(double value) =>
        JsonNode.Parse(value == Math.Floor(value) && Math.Abs(value) < 1e16
            ? value.ToString("F1", CultureInfo.InvariantCulture)
            : value.ToString("R", CultureInfo.InvariantCulture).ToLowerInvariant())!;

    internal static InvalidDataException Bad(string source, string problem, Exception? inner = null) =>
        new($"{source}: {problem}.", inner);
}
