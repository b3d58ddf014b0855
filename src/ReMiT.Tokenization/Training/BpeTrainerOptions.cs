namespace ReMiT.Tokenization.Training;

/// <summary>Settings of <see cref="BpeTrainer"/>.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>The Qwen2/3 split regex; <c>\p{N}</c> takes one digit at a time, which arithmetic needs.</summary>
    public const string QwenSplitPattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The task markup of our synthetic corpora, then BOS, EOS and PAD.</summary>
    public static readonly IReadOnlyList<string> DefaultSpecialTokens =
        ["<|bos|>", "<|eos|>", "<|pad|>", "<question>", "</question>", "<solution>", "</solution>", "<answer>", "</answer>"];

    /// <summary>Total size: special tokens + 256 bytes + merges (the Interplay model used about 2.2k).</summary>
    public int VocabSize { get; init; } = 2200;

    /// <summary>A pair seen fewer times than this in the corpus is never merged.</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>Added as special tokens with the first ids, in this order; never split by BPE.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = DefaultSpecialTokens;

    /// <summary>The Split (Isolated) pre-tokenizer regex, in Oniguruma syntax as tokenizer.json stores it.</summary>
    public string SplitPattern { get; init; } = QwenSplitPattern;

    /// <summary>Whether the tokenizer applies NFC before pre-tokenizing.</summary>
    public bool Nfc { get; init; } = true;

    /// <summary>Lists every problem with these options, or nothing.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        int minimum = SpecialTokens.Count + 256;
        if (VocabSize < minimum)
            problems.Add($"VocabSize {VocabSize} is below {minimum} (the {SpecialTokens.Count} special tokens plus 256 bytes)");
        if (MinFrequency < 1) problems.Add($"MinFrequency must be at least 1, got {MinFrequency}");
        if (SpecialTokens.Any(string.IsNullOrEmpty)) problems.Add("SpecialTokens contains an empty token");
        if (SpecialTokens.Distinct(StringComparer.Ordinal).Count() != SpecialTokens.Count) problems.Add("SpecialTokens contains duplicates");
        return problems;
    }
}
