namespace ReMiT.Tokenization;

/// <summary>
/// A token matched in the raw text before pre-tokenization, as in the <c>added_tokens</c> list of a
/// Hugging Face <c>tokenizer.json</c>. The flags mean what they mean there: <see cref="SingleWord"/>
/// matches only outside words, <see cref="LStrip"/>/<see cref="RStrip"/> swallow the whitespace on
/// that side, <see cref="Normalized"/> matches against the normalized text instead of the raw text.
/// </summary>
public sealed record AddedToken(
    int Id,
    string Content,
    bool Special,
    bool SingleWord = false,
    bool LStrip = false,
    bool RStrip = false,
    bool Normalized = false);
