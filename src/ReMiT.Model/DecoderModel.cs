// A Llama/Qwen2/Qwen3-family decoder in one file, in dependency order:
//   RmsNorm → Rotary → Attention (GQA through scaled_dot_product_attention) → SwiGlu → DecoderBlock
//   → DecoderModel.
// Notable features: grouped-query attention, rotary embeddings in Hugging Face's rotate-half layout,
// optional q/k/v bias (Qwen2), per-head RMSNorm on queries and keys before RoPE (Qwen3), Llama 3 RoPE
// scaling (RopeFrequencies), tied or untied output head, a KV cache for incremental decoding, and
// activation checkpointing per block for training (CheckpointedBlock).
// Modules are registered under Hugging Face's names (model.layers.0.self_attn.q_proj, …), so a
// checkpoint loads key for key. Math mirrors transformers' modeling_llama.py: RMSNorm in float32,
// RoPE tables in float32, then cast back to the activation dtype.
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ReMiT.Model;

/// <summary>Root-mean-square layer norm (no mean subtraction, no bias), computed in float32.</summary>
public sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    private readonly double _eps;

    public RmsNorm(long dim, double eps, ScalarType? dtype = null) : base(nameof(RmsNorm))
    {
        _eps = eps;
        register_parameter("weight", new Parameter(ones(dim, dtype: dtype)));
    }

    // Looked up, not cached: Module.to(device/dtype) replaces registered parameters.
    private Parameter Weight => get_parameter("weight")!;

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x.to(ScalarType.Float32);
        var variance = h.pow(2).mean([-1], keepdim: true);
        h = h * rsqrt(variance + _eps);
        return (Weight * h.to(x.dtype)).MoveToOuterDisposeScope();
    }
}

/// <summary>Rotary position embedding tables (cos, sin) for given positions, Hugging Face layout.</summary>
public sealed class Rotary
{
    private readonly int _headDim;
    private readonly double _theta;
    private readonly Llama3RopeScaling? _scaling;

    public Rotary(int headDim, double theta, Llama3RopeScaling? scaling = null)
    {
        _headDim = headDim;
        _theta = theta;
        _scaling = scaling;
    }

    /// <summary>cos and sin of shape (B, T, D) for position ids (B, T), in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) Tables(Tensor positionIds, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        // D/2 numbers, so rebuilding them here is free and keeps them float32 on the right device
        // whatever the model was moved to.
        var invFreq = RopeFrequencies.Inverse(_headDim, _theta, _scaling, positionIds.device);
        var freqs = positionIds.to(ScalarType.Float32).unsqueeze(-1) * invFreq;     // (B, T, D/2)
        var emb = cat([freqs, freqs], -1);                                            // (B, T, D)
        return (emb.cos().to(dtype).MoveToOuterDisposeScope(), emb.sin().to(dtype).MoveToOuterDisposeScope());
    }

    /// <summary>x·cos + rotate_half(x)·sin for x (B, H, T, D) and tables (B, T, D).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.shape[^1] / 2;
        var x1 = x[TensorIndex.Ellipsis, TensorIndex.Slice(0, half)];
        var x2 = x[TensorIndex.Ellipsis, TensorIndex.Slice(half, null)];
        var rotated = cat([-x2, x1], -1);
        return x * cos.unsqueeze(1) + rotated * sin.unsqueeze(1);
    }
}

/// <summary>Multi-head attention with grouped key/value heads and an optional KV cache.</summary>
public sealed class Attention : nn.Module
{
    private readonly Linear _q, _k, _v, _o;
    private readonly RmsNorm? _qNorm, _kNorm;
    private readonly int _heads, _kvHeads, _headDim;

    public Attention(DecoderConfig c, ScalarType? dtype = null) : base(nameof(Attention))
    {
        _heads = c.NumAttentionHeads; _kvHeads = c.NumKeyValueHeads; _headDim = c.HeadDim;
        _q = nn.Linear(c.HiddenSize, _heads * _headDim, hasBias: c.AttentionBias, dtype: dtype);
        _k = nn.Linear(c.HiddenSize, _kvHeads * _headDim, hasBias: c.AttentionBias, dtype: dtype);
        _v = nn.Linear(c.HiddenSize, _kvHeads * _headDim, hasBias: c.AttentionBias, dtype: dtype);
        _o = nn.Linear(_heads * _headDim, c.HiddenSize, hasBias: false, dtype: dtype);
        register_module("q_proj", _q);
        register_module("k_proj", _k);
        register_module("v_proj", _v);
        register_module("o_proj", _o);
        if (c.QueryKeyNorm)
        {
            _qNorm = new RmsNorm(_headDim, c.RmsNormEps, dtype);
            _kNorm = new RmsNorm(_headDim, c.RmsNormEps, dtype);
            register_module("q_norm", _qNorm);
            register_module("k_norm", _kNorm);
        }
    }

    /// <param name="x">(B, T, d)</param>
    /// <param name="cos">(B, T, D) rotary table</param>
    /// <param name="sin">(B, T, D) rotary table</param>
    /// <param name="mask">null for plain causal attention over x alone; else (B, 1, T, Tk) bool, true = may attend</param>
    /// <param name="cache">layer cache to append this step's keys/values to, or null</param>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache.Layer? cache)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        var q = _q.forward(x).view(b, t, _heads, _headDim);                      // (B, T, H, D)
        var k = _k.forward(x).view(b, t, _kvHeads, _headDim);                    // (B, T, Hkv, D)
        if (_qNorm is not null && _kNorm is not null)
        {
            // Qwen3: RMSNorm over each head's D features, before RoPE.
            q = _qNorm.forward(q);
            k = _kNorm.forward(k);
        }
        q = q.transpose(1, 2);                                                    // (B, H, T, D)
        k = k.transpose(1, 2);                                                    // (B, Hkv, T, D)
        var v = _v.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);    // (B, Hkv, T, D)
        q = Rotary.Apply(q, cos, sin);
        k = Rotary.Apply(k, cos, sin);
        if (cache is not null) (k, v) = cache.Append(k, v);                       // (B, Hkv, Tk, D)
        if (_kvHeads != _heads && cache is not null && mask is not null && mask.shape[1] == 1)
        {
            // Decoding: each kv head's G query heads become G·T query rows, so the growing cache prefix is
            // read in place instead of copied G times per step (repeat_interleave was most of a sampled
            // eval's CPU). Head h = kv·G + i maps to row i·T + t, hence the mask repeated G times along T.
            int groups = _heads / _kvHeads;
            var grouped = nn.functional.scaled_dot_product_attention(
                q.reshape(b, _kvHeads, groups * t, _headDim), k, v, attn_mask: mask.repeat(1, 1, groups, 1)); // (B, Hkv, G·T, D)
            var yg = grouped.reshape(b, _heads, t, _headDim).transpose(1, 2).reshape(b, t, _heads * _headDim);
            return _o.forward(yg).MoveToOuterDisposeScope();
        }
        if (_kvHeads != _heads)
        {
            // repeat each kv head for its group of query heads (transformers' repeat_kv)
            k = k.repeat_interleave(_heads / _kvHeads, dim: 1);                   // (B, H, Tk, D)
            v = v.repeat_interleave(_heads / _kvHeads, dim: 1);
        }
        var y = mask is null
            ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true)
            : nn.functional.scaled_dot_product_attention(q, k, v, attn_mask: mask);  // (B, H, T, D)
        y = y.transpose(1, 2).reshape(b, t, _heads * _headDim);                  // (B, T, H·D)
        return _o.forward(y).MoveToOuterDisposeScope();
    }
}

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)).</summary>
public sealed class SwiGlu : nn.Module<Tensor, Tensor>
{
    private readonly Linear _gate, _up, _down;

    public SwiGlu(int hidden, int intermediate, ScalarType? dtype = null) : base(nameof(SwiGlu))
    {
        _gate = nn.Linear(hidden, intermediate, hasBias: false, dtype: dtype);
        _up = nn.Linear(hidden, intermediate, hasBias: false, dtype: dtype);
        _down = nn.Linear(intermediate, hidden, hasBias: false, dtype: dtype);
        register_module("gate_proj", _gate);
        register_module("up_proj", _up);
        register_module("down_proj", _down);
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        return _down.forward(nn.functional.silu(_gate.forward(x)) * _up.forward(x)).MoveToOuterDisposeScope();
    }
}

/// <summary>Pre-norm transformer block: x + attn(norm(x)), then + mlp(norm(x)).</summary>
public sealed class DecoderBlock : nn.Module
{
    private readonly RmsNorm _inputNorm, _postAttentionNorm;
    private readonly Attention _attention;
    private readonly SwiGlu _mlp;

    public DecoderBlock(DecoderConfig c, ScalarType? dtype = null) : base(nameof(DecoderBlock))
    {
        _inputNorm = new RmsNorm(c.HiddenSize, c.RmsNormEps, dtype);
        _attention = new Attention(c, dtype);
        _postAttentionNorm = new RmsNorm(c.HiddenSize, c.RmsNormEps, dtype);
        _mlp = new SwiGlu(c.HiddenSize, c.IntermediateSize, dtype);
        register_module("input_layernorm", _inputNorm);
        register_module("self_attn", _attention);
        register_module("post_attention_layernorm", _postAttentionNorm);
        register_module("mlp", _mlp);
    }

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? mask, KvCache.Layer? cache)
    {
        using var scope = NewDisposeScope();
        var h = x + _attention.Forward(_inputNorm.forward(x), cos, sin, mask, cache);
        return (h + _mlp.forward(_postAttentionNorm.forward(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>The transformer trunk, registered as Hugging Face's <c>model.*</c>.</summary>
internal sealed class DecoderTrunk : nn.Module
{
    public readonly Embedding EmbedTokens;
    public readonly ModuleList<DecoderBlock> Layers;
    public readonly RmsNorm Norm;

    public DecoderTrunk(DecoderConfig c, ScalarType? dtype) : base(nameof(DecoderTrunk))
    {
        EmbedTokens = nn.Embedding(c.VocabSize, c.HiddenSize, dtype: dtype);
        Layers = nn.ModuleList(Enumerable.Range(0, c.NumHiddenLayers).Select(_ => new DecoderBlock(c, dtype)).ToArray());
        Norm = new RmsNorm(c.HiddenSize, c.RmsNormEps, dtype);
        register_module("embed_tokens", EmbedTokens);
        register_module("layers", Layers);
        register_module("norm", Norm);
    }
}

/// <summary>
/// Causal language model: token ids (B, T) → logits (B, T, V). Parameter names are Hugging Face's
/// (<c>model.embed_tokens.weight</c>, …, <c>lm_head.weight</c> unless tied).
/// </summary>
public sealed class DecoderModel : nn.Module
{
    private readonly DecoderTrunk _trunk;
    private readonly Linear? _lmHead;
    private readonly Rotary _rotary;
    private readonly ReturnedGradients _returnedGradients = new();

    public DecoderConfig Config { get; }

    /// <summary>
    /// Activation checkpointing: a forward with autograd on and no KV cache keeps only each decoder block's
    /// input and recomputes the block during backward (<see cref="CheckpointedBlock"/>), so activation memory
    /// holds block inputs instead of every block's intermediates, for about one more forward pass of compute.
    /// Gradients are the same as without it. A runtime switch (config key <c>train.activation_checkpointing</c>),
    /// not part of the checkpoint's config.json.
    /// </summary>
    public bool ActivationCheckpointing { get; set; }

    /// <param name="dtype">The parameters' dtype from the start (default float32). A checkpoint loaded in bfloat16 is
    /// built in bfloat16, so loading never holds a float32 copy of the model (twice the bfloat16 model's size).</param>
    public DecoderModel(DecoderConfig config, ScalarType? dtype = null) : base(nameof(DecoderModel))
    {
        Config = config.Validated("decoder config");
        _trunk = new DecoderTrunk(config, dtype);
        register_module("model", _trunk);
        if (!config.TieWordEmbeddings)
        {
            _lmHead = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, dtype: dtype);
            register_module("lm_head", _lmHead);
        }
        _rotary = new Rotary(config.HeadDim, config.RopeTheta, config.RopeScaling);
    }

    /// <summary>Re-initialises weights as transformers does for training from scratch: N(0, std) for linears and embeddings, ones for norms.</summary>
    public void InitializeWeights(long seed, double std = 0.02)
    {
        using var noGrad = no_grad();
        var generator = new Generator((ulong)seed, device: CPU);
        foreach (var (name, p) in named_parameters())
        {
            if (name.EndsWith("layernorm.weight", StringComparison.Ordinal) || name.EndsWith("_norm.weight", StringComparison.Ordinal)
                || name == "model.norm.weight") p.fill_(1.0);
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) p.zero_();
            else p.copy_(normal(0.0, std, p.shape, dtype: ScalarType.Float32, generator: generator).to(p.dtype));
        }
    }

    /// <summary>Hidden states after the final norm, (B, T, d).</summary>
    /// <param name="inputIds">(B, T) int64 token ids</param>
    /// <param name="positionIds">(B, T) positions; default 0…T−1 (or continuing the cache)</param>
    /// <param name="mask">(B, 1, T, Tk) bool, true = may attend; null = causal over the input (and all cached positions)</param>
    /// <param name="cache">KV cache to extend, or null</param>
    public Tensor Hidden(Tensor inputIds, Tensor? positionIds = null, Tensor? mask = null, KvCache? cache = null)
    {
        if (inputIds.dim() != 2)
            throw new ArgumentException($"input ids must be (batch, time), got shape [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        long b = inputIds.shape[0], t = inputIds.shape[1];
        long past = cache?.Length ?? 0;
        if (past + t > Config.MaxPositionEmbeddings && positionIds is null)
            throw new ArgumentException($"sequence of length {past + t} exceeds max_position_embeddings {Config.MaxPositionEmbeddings}.", nameof(inputIds));
        if (cache is not null && mask is null && t > 1 && past > 0)
            throw new ArgumentException("a multi-token step on a non-empty cache needs an explicit mask.", nameof(mask));
        using var scope = NewDisposeScope();
        positionIds ??= arange(past, past + t, ScalarType.Int64, device: inputIds.device).unsqueeze(0).expand(b, t);
        var x = _trunk.EmbedTokens.forward(inputIds);                              // (B, T, d)
        var (cos, sin) = _rotary.Tables(positionIds, x.dtype);                      // (B, T, D)
        // With a cache and one new token there is nothing to mask; causal SDPA would wrongly align
        // the single query with key 0, so pass an all-true mask instead.
        if (mask is null && cache is not null && past > 0)
            mask = ones(b, 1, t, past + t, ScalarType.Bool, device: inputIds.device);
        // Checkpointing needs a graph to recompute into (autograd on) and nothing carried between steps
        // (no cache); a block whose input needs no gradient (frozen embeddings) runs plainly, since autograd
        // would never call its backward and its parameters would get no gradient.
        bool checkpoint = ActivationCheckpointing && cache is null && is_grad_enabled();
        if (checkpoint) _returnedGradients.Replace(null);
        for (int i = 0; i < _trunk.Layers.Count; i++)
            x = checkpoint && x.requires_grad
                ? CheckpointedBlock.Run(_trunk.Layers[i], x, cos, sin, mask, _returnedGradients)
                : _trunk.Layers[i].Forward(x, cos, sin, mask, cache?.Layers[i]);
        if (cache is not null) cache.Advance(t);
        return _trunk.Norm.forward(x).MoveToOuterDisposeScope();
    }

    /// <summary>Logits (B, T, V) from hidden states (B, T, d).</summary>
    public Tensor Head(Tensor hidden) =>
        _lmHead is null ? nn.functional.linear(hidden, _trunk.EmbedTokens.weight!) : _lmHead.forward(hidden);

    /// <summary>Logits (B, T, V) for token ids (B, T); see <see cref="Hidden"/> for the arguments.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? positionIds = null, Tensor? mask = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        return Head(Hidden(inputIds, positionIds, mask, cache)).MoveToOuterDisposeScope();
    }

    /// <summary>A cache sized for <paramref name="batch"/> sequences of up to <paramref name="maxLength"/> tokens, on this model's device and dtype.</summary>
    public KvCache NewCache(long batch, long maxLength)
    {
        var w = _trunk.EmbedTokens.weight!;
        return new KvCache(Config, batch, maxLength, w.dtype, w.device);
    }
}
