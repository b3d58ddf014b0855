using static TorchSharp.torch;

namespace ReMiT.Model.Tests;

/// <summary>
/// <see cref="DecoderModel.ActivationCheckpointing"/>: the same loss gives the same gradients with the switch on
/// and off (every parameter, the input embeddings included), and the forward keeps none of a block's internals.
/// </summary>
public sealed class ActivationCheckpointingTests
{
    private const double Tolerance = 1e-6;

    // Three blocks with grouped-query attention (4 query heads, 2 kv heads); the model type picks the
    // variant: llama (plain), qwen2 (q/k/v bias), qwen3 (per-head q/k norms).
    private static DecoderModel Tiny(string modelType, bool tied)
    {
        var model = new DecoderModel(new DecoderConfig
        {
            ModelType = modelType, VocabSize = 40, HiddenSize = 16, IntermediateSize = 24, NumHiddenLayers = 3,
            NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 4, MaxPositionEmbeddings = 32,
            AttentionBias = modelType == "qwen2", TieWordEmbeddings = tied,
        });
        model.InitializeWeights(seed: 11, std: 0.2);
        if (modelType == "qwen2")
        {
            // InitializeWeights zeroes biases; give them values so their gradients are exercised too.
            using var noGrad = no_grad();
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith(".bias", StringComparison.Ordinal)) p.copy_(linspace(-0.3, 0.3, p.shape[0]));
        }
        return model;
    }

    private static Tensor Tokens(long batch, long time) =>
        randint(0, 40, [batch, time], dtype: ScalarType.Int64, generator: new Generator(5));

    // Next-token cross-entropy of the model on ids (B, T); mask as DecoderModel.Forward takes it.
    private static Tensor Loss(DecoderModel model, Tensor ids, Tensor? mask = null)
    {
        var logits = model.Forward(ids[.., ..^1], mask: mask);                           // (B, T−1, V)
        return nn.functional.cross_entropy(logits.reshape(-1, 40), ids[.., 1..].reshape(-1));
    }

    // Parameter name → a copy of its gradient after `passes` backward passes from zeroed gradients.
    private static Dictionary<string, Tensor> Gradients(DecoderModel model, bool checkpointing, Func<Tensor> loss, int passes = 1)
    {
        model.ActivationCheckpointing = checkpointing;
        model.zero_grad();
        for (int i = 0; i < passes; i++)
        {
            using var scope = NewDisposeScope();
            loss().backward();
        }
        return model.named_parameters().Where(np => np.parameter.requires_grad)
            .ToDictionary(np => np.name, np => np.parameter.grad?.clone() ?? throw new Xunit.Sdk.XunitException($"{np.name} got no gradient (checkpointing {checkpointing})."));
    }

    // ‖a − b‖ / ‖b‖ for every parameter; b must be non-zero, or equality would say nothing.
    private static void AssertEqual(Dictionary<string, Tensor> expected, Dictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (name, e) in expected)
        {
            double norm = e.norm().item<float>();
            Assert.True(norm > 0, $"{name}: the reference gradient is zero, so the comparison would prove nothing.");
            double relative = (actual[name] - e).norm().item<float>() / norm;
            Assert.True(relative < Tolerance, $"{name}: gradients with and without checkpointing differ by {relative:E2} (relative).");
        }
    }

    [Theory]
    [InlineData("llama", false)]
    [InlineData("qwen2", true)]
    [InlineData("qwen3", false)]
    public void Backward_CheckpointingOnAndOff_EqualParameterGradients(string modelType, bool tied)
    {
        using var model = Tiny(modelType, tied);
        using var ids = Tokens(2, 9);
        var plain = Gradients(model, checkpointing: false, () => Loss(model, ids));
        var checkpointed = Gradients(model, checkpointing: true, () => Loss(model, ids));
        Assert.Contains("model.embed_tokens.weight", plain.Keys); // the input embeddings, reached only through block 0's input gradient when untied
        Assert.Equal(3 * (modelType switch { "qwen2" => 12, "qwen3" => 11, _ => 9 }) + (tied ? 2 : 3), plain.Count);
        AssertEqual(plain, checkpointed);
    }

    [Fact]
    public void Forward_CheckpointingOnAndOff_EqualLogits()
    {
        using var model = Tiny("llama", tied: false);
        using var ids = Tokens(2, 9);
        using var scope = NewDisposeScope();
        var plain = model.Forward(ids);
        model.ActivationCheckpointing = true;
        var checkpointed = model.Forward(ids);
        Assert.True(checkpointed.requires_grad);
        Assert.Equal(0.0, (checkpointed - plain).abs().max().item<float>());
    }

    /// <summary>An explicit mask (left padding: row 0's first two positions are padding) is saved and reused by the recomputation.</summary>
    [Fact]
    public void Backward_ExplicitMask_EqualParameterGradients()
    {
        using var model = Tiny("qwen3", tied: true);
        using var ids = Tokens(2, 9);
        long t = 8;
        using var causal = ones(t, t, ScalarType.Bool).tril();                             // (T, T)
        using var keys = ones(2, t, ScalarType.Bool);
        keys[0, ..2] = tensor(false);
        // Padding keys are hidden; a padding query still sees itself so its softmax row is defined.
        using var mask = (causal.unsqueeze(0) & keys.unsqueeze(1) | eye(t, dtype: ScalarType.Bool).unsqueeze(0)).unsqueeze(1); // (B, 1, T, T)
        var plain = Gradients(model, checkpointing: false, () => Loss(model, ids, mask));
        var checkpointed = Gradients(model, checkpointing: true, () => Loss(model, ids, mask));
        AssertEqual(plain, checkpointed);
    }

    /// <summary>Gradient accumulation: two backward passes without zeroing add up the same with checkpointing.</summary>
    [Fact]
    public void Backward_TwoPassesWithoutZeroing_AccumulateEqually()
    {
        using var model = Tiny("llama", tied: false);
        using var ids = Tokens(2, 9);
        var plain = Gradients(model, checkpointing: false, () => Loss(model, ids), passes: 2);
        var checkpointed = Gradients(model, checkpointing: true, () => Loss(model, ids), passes: 2);
        AssertEqual(plain, checkpointed);
        var once = Gradients(model, checkpointing: true, () => Loss(model, ids), passes: 1);
        foreach (var (name, g) in once) // the two passes are identical, so accumulation doubles each gradient
            Assert.True((checkpointed[name] - 2 * g).norm().item<float>() <= Tolerance * checkpointed[name].norm().item<float>(), name);
    }

    /// <summary>Frozen input embeddings: block 0's input needs no gradient, yet every block's parameters still get theirs.</summary>
    [Fact]
    public void Backward_FrozenEmbeddings_BlocksStillGetEqualGradients()
    {
        using var model = Tiny("llama", tied: false);
        model.get_parameter("model.embed_tokens.weight")!.requires_grad_(false);
        using var ids = Tokens(2, 9);
        var plain = Gradients(model, checkpointing: false, () => Loss(model, ids));
        var checkpointed = Gradients(model, checkpointing: true, () => Loss(model, ids));
        Assert.Contains("model.layers.0.self_attn.q_proj.weight", plain.Keys);
        AssertEqual(plain, checkpointed);
    }

    /// <summary>
    /// What autograd keeps: with checkpointing, the loss's graph reaches a block's weights only through the
    /// checkpoint node, not through the block's own operations (whose saved activations are what checkpointing
    /// drops), so autograd finds no path from the loss to a block weight; the plain graph has one.
    /// </summary>
    [Fact]
    public void Forward_Checkpointing_GraphHoldsNoBlockInternals()
    {
        using var model = Tiny("llama", tied: false);
        using var ids = Tokens(2, 9);
        var weight = model.get_parameter("model.layers.1.mlp.up_proj.weight")!;
        using var scope = NewDisposeScope();
        // allow_unused: an unreachable input gets an undefined gradient instead of an error
        var plain = autograd.grad([Loss(model, ids)], [weight], allow_unused: true);
        Assert.False(plain[0].IsInvalid);
        model.ActivationCheckpointing = true;
        var checkpointed = autograd.grad([Loss(model, ids)], [weight], allow_unused: true);
        Assert.True(checkpointed[0].IsInvalid);
    }

    /// <summary>Generation (a KV cache) and inference (no autograd) run plainly with the switch on.</summary>
    [Fact]
    public void Forward_CacheOrNoGrad_RunsPlainly()
    {
        using var model = Tiny("llama", tied: false);
        model.ActivationCheckpointing = true;
        using var ids = Tokens(1, 6);
        using var scope = NewDisposeScope();
        var weight = model.get_parameter("model.layers.1.mlp.up_proj.weight")!;
        using var cache = model.NewCache(1, 16);
        var cached = model.Forward(ids, cache: cache);
        Assert.False(autograd.grad([cached.sum()], [weight], allow_unused: true)[0].IsInvalid); // the cached forward built the plain graph
        using (no_grad())
        {
            var logits = model.Forward(ids);
            Assert.False(logits.requires_grad);
            Assert.Equal(0.0, (logits - cached.detach()).abs().max().item<float>());
        }
    }
}
