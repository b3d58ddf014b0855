namespace ReMiT.Model;

/// <summary>
/// Shape of a Llama/Qwen2/Qwen3-family decoder. Field meanings follow Hugging Face's config.json
/// (hidden_size, num_attention_heads, …) so a checkpoint's config maps one to one.
/// </summary>
public sealed record DecoderConfig
{
    /// <summary>"llama", "qwen2" or "qwen3" (Hugging Face model_type); decides the architecture name written back.</summary>
    public string ModelType { get; init; } = "llama";
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    public int IntermediateSize { get; init; }
    public int NumHiddenLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    public int NumKeyValueHeads { get; init; }
    /// <summary>Per-head dimension; Hugging Face's default is hidden_size / num_attention_heads.</summary>
    public int HeadDim { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000.0;
    public int MaxPositionEmbeddings { get; init; } = 2048;
    /// <summary>Llama 3's RoPE frequency scaling, or null for unscaled RoPE.</summary>
    public Llama3RopeScaling? RopeScaling { get; init; }
    /// <summary>Bias on q/k/v projections (Qwen2 has it; Llama's attention_bias, default false).</summary>
    public bool AttentionBias { get; init; }
    public bool TieWordEmbeddings { get; init; }
    public int? BosTokenId { get; init; }
    public int? EosTokenId { get; init; }
    public int? PadTokenId { get; init; }

    /// <summary>Qwen3's per-head RMSNorm on queries and keys (q_norm, k_norm) before RoPE.</summary>
    public bool QueryKeyNorm => ModelType == "qwen3";

    /// <summary>Lists every problem (empty when valid), so all are reported at once before any tensor is allocated.</summary>
    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (ModelType is not ("llama" or "qwen2" or "qwen3")) e.Add($"model_type must be 'llama', 'qwen2' or 'qwen3', got '{ModelType}'.");
        if (ModelType == "qwen3" && AttentionBias) e.Add("attention_bias must be false for qwen3 (its q/k/v projections have no bias).");
        if (VocabSize <= 0) e.Add($"vocab_size must be > 0, got {VocabSize}.");
        if (HiddenSize <= 0) e.Add($"hidden_size must be > 0, got {HiddenSize}.");
        if (IntermediateSize <= 0) e.Add($"intermediate_size must be > 0, got {IntermediateSize}.");
        if (NumHiddenLayers <= 0) e.Add($"num_hidden_layers must be > 0, got {NumHiddenLayers}.");
        if (NumAttentionHeads <= 0) e.Add($"num_attention_heads must be > 0, got {NumAttentionHeads}.");
        if (NumKeyValueHeads <= 0 || (NumAttentionHeads > 0 && NumAttentionHeads % NumKeyValueHeads != 0))
            e.Add($"num_key_value_heads must divide num_attention_heads ({NumAttentionHeads}), got {NumKeyValueHeads}.");
        if (HeadDim <= 0 || HeadDim % 2 != 0) e.Add($"head_dim must be a positive even number (RoPE rotates pairs), got {HeadDim}.");
        if (!(RmsNormEps > 0)) e.Add($"rms_norm_eps must be > 0, got {RmsNormEps}.");
        if (!(RopeTheta > 0)) e.Add($"rope_theta must be > 0, got {RopeTheta}.");
        if (MaxPositionEmbeddings <= 0) e.Add($"max_position_embeddings must be > 0, got {MaxPositionEmbeddings}.");
        if (RopeScaling is not null) e.AddRange(RopeScaling.Validate());
        e.AddRange(DecoderConfigLimits.Check(this));
        // Only once every size is sane can the count neither overflow nor mislead.
        if (e.Count == 0 && ParameterCount() > DecoderConfigLimits.MaxParameters)
            e.Add($"the config describes {ParameterCount():N0} parameters, above the limit of {DecoderConfigLimits.MaxParameters:N0}; check its sizes.");
        return e;
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem, naming <paramref name="source"/>.</summary>
    public DecoderConfig Validated(string source)
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ArgumentException($"{source}: invalid model config:\n  " + string.Join("\n  ", errors));
        return this;
    }

    /// <summary>Parameter count (embeddings and head counted once when tied).</summary>
    public long ParameterCount()
    {
        long d = HiddenSize, q = (long)NumAttentionHeads * HeadDim, kv = (long)NumKeyValueHeads * HeadDim;
        long attention = d * q + 2 * d * kv + q * d + (AttentionBias ? q + 2 * kv : 0);
        long mlp = 3 * d * IntermediateSize;
        long perLayer = attention + mlp + 2 * d + (QueryKeyNorm ? 2L * HeadDim : 0);
        long embed = (long)VocabSize * d;
        return embed + (TieWordEmbeddings ? 0 : embed) + NumHiddenLayers * perLayer + d;
    }
}
