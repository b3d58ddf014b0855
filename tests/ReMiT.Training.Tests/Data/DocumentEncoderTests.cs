using ReMiT.Tokenization.Training;
using ReMiT.Training.Data;

namespace ReMiT.Training.Tests.Data;

public sealed class DocumentEncoderTests
{
    [Fact]
    public void Encode_MaskPrompt_ZeroOnBosAndPromptOneOnCompletionAndEos()
    {
        var tokenizer = TestCorpus.Tokenizer;
        var encoder = new DocumentEncoder(tokenizer, maskPrompt: true);
        var doc = TestCorpus.Documents[0];
        var encoded = encoder.Encode(doc);
        int promptTokens = tokenizer.Encode(doc.Prompt).Length;

        Assert.Equal(encoder.Special.Bos, encoded.Ids[0]);
        Assert.Equal(encoder.Special.Eos, encoded.Ids[^1]);
        Assert.All(encoded.LossMask[..(1 + promptTokens)], m => Assert.Equal(0f, m));
        Assert.All(encoded.LossMask[(1 + promptTokens)..], m => Assert.Equal(1f, m));
        Assert.Equal(doc.Completion, tokenizer.Decode(encoded.Ids.AsSpan(1 + promptTokens, encoded.Length - promptTokens - 2)));
    }

    [Fact]
    public void Encode_NoMask_OneEverywhereButBos()
    {
        var encoded = new DocumentEncoder(TestCorpus.Tokenizer, maskPrompt: false).Encode(TestCorpus.Documents[1]);
        Assert.Equal(0f, encoded.LossMask[0]);
        Assert.All(encoded.LossMask[1..], m => Assert.Equal(1f, m));
    }

    [Fact]
    public void EncodeAll_GsmAndKk_IdsEqualEncodingOfWholeText()
    {
        // Encoding prompt and completion apart must not change the tokenization: the split points
        // ("<solution>" for GSM, "\n\n" before a letter for K&K) are pre-tokenizer boundaries anyway.
        var tokenizer = TestCorpus.Tokenizer;
        var docs = TestCorpus.Documents;
        var encoded = new DocumentEncoder(tokenizer, maskPrompt: true).EncodeAll(docs);
        for (int i = 0; i < docs.Count; i++)
        {
            Assert.Equal(tokenizer.Encode(docs[i].Text), encoded[i].Ids[1..^1]);
            Assert.Equal(docs[i].Text, tokenizer.Decode(encoded[i].Ids.AsSpan(1, encoded[i].Length - 2)));
        }
    }

    [Fact]
    public void Constructor_TokenizerWithoutBos_ThrowsNamingToken()
    {
        var tokenizer = BpeTrainer.Train(["a b c", "a b"], new BpeTrainerOptions { VocabSize = 270, SpecialTokens = ["<|eos|>", "<|pad|>"] });
        var e = Assert.Throws<ArgumentException>(() => new DocumentEncoder(tokenizer, maskPrompt: false));
        Assert.Contains("<|bos|>", e.Message);
    }

    [Fact]
    public void TrainOrLoad_EmptyDirThenExisting_TrainsSavesThenLoadsWithoutReadingTexts()
    {
        string dir = Path.Combine(Path.GetTempPath(), "remit-tok-" + Guid.NewGuid().ToString("N"));
        try
        {
            var texts = TestCorpus.Documents.Take(20).Select(d => d.Text).ToArray();
            var trained = RunTokenizer.TrainOrLoad(dir, texts, vocabSize: 400);
            Assert.True(File.Exists(Path.Combine(dir, RunTokenizer.FileName)));

            var loaded = RunTokenizer.TrainOrLoad(dir, Unreadable(), vocabSize: 400);
            Assert.Equal(trained.VocabSize, loaded.VocabSize);
            Assert.Equal(trained.Encode(texts[0]), loaded.Encode(texts[0]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        static IEnumerable<string> Unreadable()
        {
            throw new InvalidOperationException("a saved tokenizer must be loaded, not retrained");
#pragma warning disable CS0162 // makes this an iterator, so the throw happens only if enumerated
            yield break;
#pragma warning restore CS0162
        }
    }
}
