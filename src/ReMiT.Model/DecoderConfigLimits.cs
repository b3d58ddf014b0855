namespace ReMiT.Model;

/// <summary>
/// Upper bounds a model config must respect before anything is allocated. They sit well above every
/// published open model (Llama 3.1 405B: 126 layers, hidden 16384, intermediate 53248, vocab 128256;
/// the largest vocabularies are ~262k; the longest contexts ~10M), so only a corrupt or hostile
/// config.json trips them: a file claiming 2e9 layers fails while parsing, not after minutes of allocation.
/// </summary>
public static class DecoderConfigLimits
{
    public const int MaxVocabSize = 1 << 22;
    public const int MaxHiddenSize = 1 << 16;
    public const int MaxIntermediateSize = 1 << 20;
    public const int MaxHiddenLayers = 1024;
    public const int MaxAttentionHeads = 1024;
    public const int MaxHeadDim = 1024;
    public const int MaxPositionEmbeddings = 1 << 24;
    public const double MaxRopeFactor = 1024;
    /// <summary>Ten trillion: above any model one would load with this code, far below a long overflow.</summary>
    public const long MaxParameters = 10_000_000_000_000;

    /// <summary>One line per value above its bound, naming the config.json key.</summary>
    internal static IEnumerable<string> Check(DecoderConfig c)
    {
        foreach (var (key, value, max) in new (string, long, long)[]
        {
            ("vocab_size", c.VocabSize, MaxVocabSize),
            ("hidden_size", c.HiddenSize, MaxHiddenSize),
            ("intermediate_size", c.IntermediateSize, MaxIntermediateSize),
            ("num_hidden_layers", c.NumHiddenLayers, MaxHiddenLayers),
            ("num_attention_heads", c.NumAttentionHeads, MaxAttentionHeads),
            ("num_key_value_heads", c.NumKeyValueHeads, MaxAttentionHeads),
            ("head_dim", c.HeadDim, MaxHeadDim),
            ("max_position_embeddings", c.MaxPositionEmbeddings, MaxPositionEmbeddings),
        })
        {
            if (value > max)
                yield return $"{key} is {value}, above the limit of {max} this loader accepts; the config.json is corrupt or not a decoder config.";
        }
    }
}
