using ReMiT.Model.Checkpoints;
using static TorchSharp.torch;

namespace ReMiT.Model.Tests;

/// <summary>Qwen3's per-head RMSNorm on queries and keys, before RoPE.</summary>
public sealed class Qwen3AttentionTests
{
    private static DecoderConfig Tiny(string modelType) => new()
    {
        ModelType = modelType, VocabSize = 8, HiddenSize = 2, IntermediateSize = 4, NumHiddenLayers = 1,
        NumAttentionHeads = 1, NumKeyValueHeads = 1, HeadDim = 2, RmsNormEps = 1e-6, RopeTheta = 10000.0, MaxPositionEmbeddings = 8,
    };

    /// <summary>
    /// One head of dimension 2, identity q/k/v/o projections, q_norm weight (2, 0.5), k_norm weight (1, 3),
    /// tokens x0 = (1, 2), x1 = (3, −1) at positions 0 and 1. With D = 2 there is one frequency, 1/θ⁰ = 1,
    /// so RoPE rotates position 1 by 1 radian. By hand (python3, double precision):
    ///   n(v, w) = v / sqrt(mean(v²) + 1e-6) · w;  R(a, b) = (a cos 1 − b sin 1, b cos 1 + a sin 1)
    ///   q1 = R(n(x1, wq)), k0 = n(x0, wk), k1 = R(n(x1, wk))
    ///   scores = (q1·k0, q1·k1) / √2 = (6.466917632543271, 2.757715895084356)
    ///   p = softmax(scores) = (0.9760886865698635, 0.023911313430136465)
    ///   out1 = p0·x0 + p1·x1 = (1.0478226268602728, 1.9282660597095904); out0 = x0 (it sees only itself).
    /// Without the norms the same inputs give out1 = (2.8516073408373335, −0.7774110112560003).
    /// </summary>
    [Fact]
    public void Forward_QueryKeyNorms_MatchHandComputedAttention()
    {
        using var attention = new Attention(Tiny("qwen3"));
        using (no_grad())
        {
            foreach (var (name, p) in attention.named_parameters())
            {
                if (name.EndsWith("proj.weight", StringComparison.Ordinal)) p.copy_(eye(2));
                else if (name == "q_norm.weight") p.copy_(tensor(new float[] { 2.0f, 0.5f }));
                else if (name == "k_norm.weight") p.copy_(tensor(new float[] { 1.0f, 3.0f }));
                else Assert.Fail($"unexpected parameter {name}");
            }
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = tensor(new float[] { 1, 2, 3, -1 }, [1, 2, 2]);                      // (B, T, d)
        var (cos, sin) = new Rotary(2, 10000.0).Tables(arange(0, 2, ScalarType.Int64).unsqueeze(0), ScalarType.Float32);
        var y = attention.Forward(x, cos, sin, mask: null, cache: null);
        var expected = tensor(new float[] { 1.0f, 2.0f, 1.0478226268602728f, 1.9282660597095904f }, [1, 2, 2]);
        Assert.True(y.allclose(expected, rtol: 0, atol: 1e-5), $"got {string.Join(", ", y.data<float>().ToArray())}");
    }

    [Fact]
    public void Attention_Qwen3_RegistersNormsOfHeadDimAndNoBias()
    {
        using var qwen3 = new Attention(Tiny("qwen3") with { HiddenSize = 8, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 6 });
        var shapes = qwen3.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        Assert.Equal(new long[] { 6 }, shapes["q_norm.weight"]);
        Assert.Equal(new long[] { 6 }, shapes["k_norm.weight"]);
        Assert.Equal(new long[] { 24, 8 }, shapes["q_proj.weight"]);   // head_dim 6 ≠ hidden / heads = 2
        Assert.DoesNotContain(shapes.Keys, k => k.EndsWith(".bias", StringComparison.Ordinal));
        using var llama = new Attention(Tiny("llama"));
        Assert.DoesNotContain(llama.named_parameters(), p => p.name.Contains("norm", StringComparison.Ordinal));
    }

    [Fact]
    public void SaveThenLoad_Qwen3_KeepsConfigNormsAndLogits()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"remit-qwen3-{Guid.NewGuid():N}");
        try
        {
            var config = Tiny("qwen3") with { VocabSize = 40, HiddenSize = 16, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 8, TieWordEmbeddings = true };
            using var model = new DecoderModel(config);
            model.InitializeWeights(seed: 3);
            using (no_grad())
                foreach (var (name, p) in model.named_parameters().Where(p => p.name.EndsWith("_norm.weight", StringComparison.Ordinal)))
                {
                    Assert.Equal(1.0f, p.mean().item<float>()); // norms start at one, like transformers'
                    p.uniform_(0.5, 1.5);                       // then differ, so the round trip is tested
                }
            HfCheckpoint.Save(model, dir, maxShardBytes: 1_000);
            Assert.Contains("\"Qwen3ForCausalLM\"", File.ReadAllText(Path.Combine(dir, "config.json")));
            using var again = HfCheckpoint.Load(dir);
            Assert.Equal(config, again.Config);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = tensor(new long[] { 1, 5, 7, 2, 9 }, [1, 5]);
            Assert.True(model.Forward(ids).eq(again.Forward(ids)).all().item<bool>());
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Theory]
    [InlineData("llama", false, false)]
    [InlineData("qwen2", true, true)]
    [InlineData("qwen3", false, true)]
    [InlineData("qwen3", false, false)]
    public void TensorLayoutAndParameterCount_EveryArchitecture_EqualTheModelsParameters(string modelType, bool bias, bool tied)
    {
        var config = Tiny(modelType) with { NumHiddenLayers = 2, HiddenSize = 8, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 6, AttentionBias = bias, TieWordEmbeddings = tied };
        using var model = new DecoderModel(config);
        var actual = model.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))).OrderBy(p => p.name, StringComparer.Ordinal);
        var expected = HfTensorLayout.Expected(config).Select(t => (t.Name, string.Join(",", t.Shape))).OrderBy(p => p.Item1, StringComparer.Ordinal);
        Assert.Equal(expected, actual);
        Assert.Equal(model.parameters().Sum(p => p.NumberOfElements), config.ParameterCount());
    }
}
