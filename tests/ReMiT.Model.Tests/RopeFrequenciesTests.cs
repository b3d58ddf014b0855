using static TorchSharp.torch;

namespace ReMiT.Model.Tests;

public sealed class RopeFrequenciesTests
{
    // Llama 3.1's published scaling (factor 8, low_freq_factor 1, high_freq_factor 4, original context 8192)
    // with θ = 500000 and head_dim 16, so the eight frequencies cover all three regimes: wavelengths
    // 2π/inv_freq = 6.3, 32.4, 167, 862 (< 8192/4 = 2048: kept), 4443 (between: interpolated),
    // 22911, 118143, 609226 (> 8192/1: divided by 8).
    private static readonly Llama3RopeScaling Llama31 = new(8.0, 1.0, 4.0, 8192);

    // Computed in double precision from the published formula, not by the code under test:
    // python3 -c "import math
    // D,t,f,lo,hi,L=16,500000.0,8.0,1.0,4.0,8192
    // for x in [1/t**(2*i/D) for i in range(D//2)]:
    //   w=2*math.pi/x; g=(L/w-lo)/(hi-lo)
    //   print(repr(x), repr(x if w<L/hi else x/f if w>L/lo else (1-g)*x/f+g*x))"
    private static readonly double[] Unscaled =
        [1.0, 0.19392274474868576, 0.03760603093086393, 0.0072926647372171085,
         0.001414213562373095, 0.0002742481756762073, 5.318295896944989e-05, 1.031338537721246e-05];

    private static readonly double[] Scaled =
        [1.0, 0.19392274474868576, 0.03760603093086393, 0.0072926647372171085,
         0.0005248461609929547, 3.428102195952591e-05, 6.647869871181236e-06, 1.2891731721515574e-06];

    [Fact]
    public void Inverse_NoScaling_IsOneOverThetaToTheTwoIOverD() => AssertClose(Unscaled, RopeFrequencies.Inverse(16, 500000.0, null));

    [Fact]
    public void Inverse_Llama3_KeepsHighDividesLowInterpolatesMiddle() => AssertClose(Scaled, RopeFrequencies.Inverse(16, 500000.0, Llama31));

    [Fact]
    public void Forward_Llama3Scaling_ChangesLogitsOnlyThroughRope()
    {
        var plain = new DecoderConfig
        {
            VocabSize = 32, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 1, NumAttentionHeads = 2,
            NumKeyValueHeads = 2, HeadDim = 16, RopeTheta = 10000.0, MaxPositionEmbeddings = 64,
        };
        using var a = new DecoderModel(plain);
        // An original context of 64 puts 7 of the 8 frequencies in the scaled or interpolated regimes.
        using var b = new DecoderModel(plain with { RopeScaling = new Llama3RopeScaling(8.0, 1.0, 4.0, 64) });
        b.load_state_dict(a.state_dict());
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = arange(0, 32, ScalarType.Int64).unsqueeze(0);
        // Position 0 has angle 0 whatever the frequencies, so the first token's logits agree; later ones differ.
        Assert.True(a.Forward(ids)[0, 0].allclose(b.Forward(ids)[0, 0], rtol: 0, atol: 1e-6));
        Assert.False(a.Forward(ids)[0, 31].allclose(b.Forward(ids)[0, 31], rtol: 0, atol: 1e-4));
    }

    private static void AssertClose(double[] expected, Tensor actual)
    {
        using (actual)
        {
            Assert.Equal(ScalarType.Float32, actual.dtype);
            float[] got = actual.data<float>().ToArray();
            Assert.Equal(expected.Length, got.Length);
            // float32 arithmetic against a double-precision reference: a few ulps.
            for (int i = 0; i < got.Length; i++)
                Assert.True(Math.Abs(got[i] - expected[i]) <= 2e-6 * expected[i], $"inv_freq[{i}]: expected {expected[i]}, got {got[i]}");
        }
    }
}
