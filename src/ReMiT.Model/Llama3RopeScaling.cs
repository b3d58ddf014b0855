namespace ReMiT.Model;

/// <summary>
/// Llama 3.1's RoPE frequency scaling (config.json <c>rope_type: "llama3"</c>): long wavelengths
/// (low frequencies) are divided by <see cref="Factor"/>, short ones are kept, and those in between are
/// interpolated, so a model trained at <see cref="OriginalMaxPositionEmbeddings"/> tokens reads longer
/// contexts. Field names follow transformers' <c>rope_parameters</c>; the formula is in
/// <see cref="RopeFrequencies"/>.
/// </summary>
public sealed record Llama3RopeScaling(
    double Factor,
    double LowFreqFactor,
    double HighFreqFactor,
    int OriginalMaxPositionEmbeddings)
{
    /// <summary>Every problem, named by the config.json key (empty when valid).</summary>
    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (!(Factor >= 1) || Factor > DecoderConfigLimits.MaxRopeFactor)
            e.Add($"rope_scaling.factor must be in [1, {DecoderConfigLimits.MaxRopeFactor}], got {Factor}.");
        if (!(LowFreqFactor > 0)) e.Add($"rope_scaling.low_freq_factor must be > 0, got {LowFreqFactor}.");
        if (!(HighFreqFactor > LowFreqFactor))
            e.Add($"rope_scaling.high_freq_factor must be > low_freq_factor ({LowFreqFactor}), got {HighFreqFactor}.");
        if (OriginalMaxPositionEmbeddings <= 0 || OriginalMaxPositionEmbeddings > DecoderConfigLimits.MaxPositionEmbeddings)
            e.Add($"rope_scaling.original_max_position_embeddings must be in [1, {DecoderConfigLimits.MaxPositionEmbeddings}], got {OriginalMaxPositionEmbeddings}.");
        return e;
    }
}
