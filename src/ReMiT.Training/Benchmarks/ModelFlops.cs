using ReMiT.Model;

namespace ReMiT.Training.Benchmarks;

/// <summary>Training FLOPs per token, for model FLOP utilisation (MFU).</summary>
public static class ModelFlops
{
    /// <summary>
    /// 6·N + 12·L·d·T: forward and backward matmuls over the parameters (N without the input
    /// embedding lookup, which is no matmul; a tied head's matmul is counted) plus attention scores.
    /// </summary>
    public static double PerToken(DecoderConfig config, int seqLen)
    {
        long n = config.ParameterCount();
        long flopParams = n - (config.TieWordEmbeddings ? 0 : (long)config.VocabSize * config.HiddenSize);
        return 6.0 * flopParams + 12.0 * config.NumHiddenLayers * config.HiddenSize * seqLen;
    }
}
