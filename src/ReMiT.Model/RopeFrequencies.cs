using static TorchSharp.torch;

namespace ReMiT.Model;

/// <summary>
/// RoPE's inverse frequencies, computed in float32 with the same operations, in the same order, as
/// transformers' <c>modeling_rope_utils.py</c>, so scaled and unscaled tables match its to the bit.
/// </summary>
public static class RopeFrequencies
{
    /// <summary>
    /// inv_freq[i] = 1 / θ^(2i/D) for i in 0…D/2−1 (shape (D/2), float32), then Llama 3's scaling when
    /// <paramref name="scaling"/> is set. With wavelength λ = 2π / inv_freq, L = original_max_position_embeddings,
    /// s = factor, α = low_freq_factor, β = high_freq_factor:
    /// λ &lt; L/β keeps inv_freq; λ &gt; L/α gives inv_freq / s; in between,
    /// (1 − γ)·inv_freq/s + γ·inv_freq with γ = (L/λ − α) / (β − α).
    /// </summary>
    public static Tensor Inverse(int headDim, double theta, Llama3RopeScaling? scaling, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var invFreq = 1.0f / pow(theta, arange(0, headDim, 2, ScalarType.Int64, device: device).to(ScalarType.Float32) / headDim);
        if (scaling is not null)
            invFreq = Llama3(invFreq, scaling);
        return invFreq.MoveToOuterDisposeScope();
    }

    // transformers' _compute_llama3_parameters, line for line.
    private static Tensor Llama3(Tensor invFreq, Llama3RopeScaling s)
    {
        double oldContext = s.OriginalMaxPositionEmbeddings;
        double lowFreqWavelen = oldContext / s.LowFreqFactor;
        double highFreqWavelen = oldContext / s.HighFreqFactor;
        var wavelen = 2 * Math.PI / invFreq;
        var scaled = where(wavelen > lowFreqWavelen, invFreq / s.Factor, invFreq);
        var smooth = (oldContext / wavelen - s.LowFreqFactor) / (s.HighFreqFactor - s.LowFreqFactor);
        var smoothed = (1 - smooth) * scaled / s.Factor + smooth * scaled;
        var medium = (wavelen < highFreqWavelen).logical_not().logical_and((wavelen > lowFreqWavelen).logical_not());
        return where(medium, smoothed, scaled);
    }
}
