using ReMiT.Tokenization;

namespace ReMiT.Training.Data;

/// <summary>The ids of the document delimiters and padding in a tokenizer.</summary>
public sealed record SpecialTokenIds(int Bos, int Eos, int Pad)
{
    public const string BosToken = "<|bos|>";
    public const string EosToken = "<|eos|>";
    public const string PadToken = "<|pad|>";

    /// <summary>Looks the three tokens up in <paramref name="tokenizer"/>.</summary>
    /// <exception cref="ArgumentException">A token is missing; the message names it.</exception>
    public static SpecialTokenIds From(HfTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return new SpecialTokenIds(Find(BosToken), Find(EosToken), Find(PadToken));

        int Find(string token) => tokenizer.TokenToId(token)
            ?? throw new ArgumentException(
                $"the tokenizer has no '{token}' token; train it with BpeTrainerOptions.DefaultSpecialTokens (RunTokenizer.TrainOrLoad does) or add {BosToken}, {EosToken} and {PadToken}",
                nameof(tokenizer));
    }
}
