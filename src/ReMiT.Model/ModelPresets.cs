namespace ReMiT.Model;

/// <summary>A named model shape with the sequence length and batch it is meant to train at.</summary>
public sealed record ModelPreset(string Name, string Purpose, DecoderConfig Config, int SeqLen, int BatchSize);

/// <summary>
/// The model sizes the project runs at. Vocabulary size is a placeholder for our ~2.2k-token BPE
/// (rounded up to a multiple of 64 for matmul efficiency); training replaces it with the tokenizer's.
/// </summary>
public static class ModelPresets
{
    public const int DefaultVocab = 2304;

    private static DecoderConfig Qwen2(int d, int layers, int heads, int kvHeads, int ff, int maxPos) => new()
    {
        ModelType = "qwen2", VocabSize = DefaultVocab, HiddenSize = d, IntermediateSize = ff, NumHiddenLayers = layers,
        NumAttentionHeads = heads, NumKeyValueHeads = kvHeads, HeadDim = d / heads, MaxPositionEmbeddings = maxPos,
        AttentionBias = true, TieWordEmbeddings = true, RopeTheta = 10000.0, RmsNormEps = 1e-6,
    };

    public static IReadOnlyList<ModelPreset> All { get; } =
    [
        new("smoke", "seconds on a CPU: CI and smoke runs", Qwen2(64, 2, 4, 2, 128, 512), SeqLen: 128, BatchSize: 8),
        new("tiny", "~1.3M parameters: the CPU flywheel model", Qwen2(128, 4, 4, 2, 512, 1024), SeqLen: 256, BatchSize: 16),
        new("small", "~33M parameters: one GPU", Qwen2(512, 8, 8, 4, 2048, 2048), SeqLen: 512, BatchSize: 32),
        new("base", "~105M parameters: the Interplay paper's Qwen2 scale", Qwen2(768, 12, 12, 4, 3072, 2048), SeqLen: 1024, BatchSize: 16),
    ];

    public static ModelPreset Get(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown model preset '{name}'; expected one of {string.Join(", ", All.Select(p => p.Name))}.", nameof(name));
}
