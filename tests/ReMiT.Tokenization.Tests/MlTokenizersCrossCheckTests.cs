using Microsoft.ML.Tokenizers;
using ReMiT.Tokenization.PreTokenization;
using ReMiT.Tokenization.Training;

namespace ReMiT.Tokenization.Tests;

/// <summary>Microsoft.ML.Tokenizers' byte-level BpeTokenizer as an independent check of our BPE merging, pre-token by pre-token.</summary>
public sealed class MlTokenizersCrossCheckTests
{
    [Fact]
    public void Tokenize_PreTokens_AgreeWithMicrosoftMlBpe()
    {
        HfTokenizer ours = Qwen3Tokenizer.Get();
        var options = new BpeOptions(ours.Model.Vocab)
        {
            Merges = ours.Merges.Select(m => $"{m.Left} {m.Right}"),
            ByteLevel = true,
            // We hand it one pre-token at a time; its default pre-tokenizer would drop the leading space.
            PreTokenizer = new RegexPreTokenizer(new System.Text.RegularExpressions.Regex("(?s).+"), null),
        };
        BpeTokenizer ml = BpeTokenizer.Create(options);
        var split = new OnigurumaPattern(BpeTrainerOptions.QwenSplitPattern);
        int compared = 0;
        foreach (string text in RandomText.Strings(300, 21).Append("Knights always tell the truth, and knaves always lie."))
        {
            var pieces = new List<string>();
            HfTokenizer.SplitIsolated(split, text, pieces);
            foreach (string piece in pieces)
            {
                var expected = new List<int>();
                ours.Model.Tokenize(ByteLevel.Encode(piece), expected);
                Assert.True(expected.SequenceEqual(ml.EncodeToIds(piece)), $"piece {System.Text.Json.JsonSerializer.Serialize(piece)}: ours [{string.Join(",", expected)}], ML [{string.Join(",", ml.EncodeToIds(piece))}]");
                compared++;
            }
        }
        Assert.True(compared > 1000);
    }
}
