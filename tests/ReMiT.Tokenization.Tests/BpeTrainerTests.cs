using System.Diagnostics;
using ReMiT.Tokenization.Training;
using Xunit.Abstractions;

namespace ReMiT.Tokenization.Tests;

public sealed class BpeTrainerTests(ITestOutputHelper output)
{
    private static readonly Lazy<HfTokenizer> Small = new(() => BpeTrainer.Train(SyntheticCorpus.Lines(2000, 1), new BpeTrainerOptions { VocabSize = 600 }));

    [Fact]
    public void Train_SmallCorpus_HasSpecialsBytesAndMerges()
    {
        HfTokenizer tok = Small.Value;
        Assert.Equal(600, tok.VocabSize);
        Assert.Equal(BpeTrainerOptions.DefaultSpecialTokens, tok.AddedTokens.Select(t => t.Content));
        Assert.All(tok.AddedTokens, t => Assert.True(t.Special));
        Assert.Equal(0, tok.TokenToId("<|bos|>"));
        Assert.Equal(9, tok.TokenToId("\u0100")); // byte 0, the first byte char, follows the 9 specials
        Assert.True(tok.Merges.Count >= 600 - 9 - 256);
    }

    [Fact]
    public void Encode_SpecialTokensInline_AreSingleIds()
    {
        HfTokenizer tok = Small.Value;
        int[] ids = tok.Encode("<question>x</question><answer> 7 </answer><|eos|>");
        Assert.Equal(tok.TokenToId("<question>"), ids[0]);
        Assert.Contains(tok.TokenToId("</answer>")!.Value, ids);
        Assert.Equal(tok.TokenToId("<|eos|>"), ids[^1]);
    }

    [Fact]
    public void Encode_Digits_OneTokenPerDigit()
    {
        HfTokenizer tok = Small.Value;
        int[] ids = tok.Encode("1234567890");
        Assert.Equal(10, ids.Length);
        Assert.Equal("1234567890", tok.Decode(ids));
    }

    [Fact]
    public void Train_SameCorpusTwice_GivesIdenticalFiles()
    {
        string dir = Directory.CreateTempSubdirectory("remit-bpe-").FullName;
        try
        {
            var options = new BpeTrainerOptions { VocabSize = 500 };
            BpeTrainer.Train(SyntheticCorpus.Lines(500, 7), options).Save(Path.Combine(dir, "a.json"));
            BpeTrainer.Train(SyntheticCorpus.Lines(500, 7), options).Save(Path.Combine(dir, "b.json"));
            Assert.Equal(File.ReadAllText(Path.Combine(dir, "a.json")), File.ReadAllText(Path.Combine(dir, "b.json")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Save_ThenLoad_EncodesIdentically()
    {
        string dir = Directory.CreateTempSubdirectory("remit-bpe-").FullName;
        try
        {
            Small.Value.Save(Path.Combine(dir, "tokenizer.json"));
            HfTokenizer loaded = HfTokenizer.Load(dir);
            Assert.Equal(Small.Value.VocabSize, loaded.VocabSize);
            Assert.Equal(Small.Value.AddedTokens, loaded.AddedTokens);
            foreach (string text in SyntheticCorpus.Lines(50, 99).Concat(RandomText.Strings(200, 5)))
                Assert.Equal(Small.Value.Encode(text), loaded.Encode(text));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void EncodeDecode_RandomTextWithSpecials_RoundTrips()
    {
        HfTokenizer tok = Small.Value;
        foreach (string text in RandomText.Strings(500, 11, BpeTrainerOptions.DefaultSpecialTokens))
            Assert.Equal(text, tok.Decode(tok.Encode(text)));
    }

    [Fact]
    public void Train_InvalidOptions_ListsEveryProblem()
    {
        var e = Assert.Throws<ArgumentException>(() => BpeTrainer.Train(["x"], new BpeTrainerOptions { VocabSize = 10, MinFrequency = 0 }));
        Assert.Contains("VocabSize 10", e.Message);
        Assert.Contains("MinFrequency", e.Message);
    }

    [Fact]
    public void Train_FiveMegabytes_TakesSecondsNotMinutes()
    {
        List<string> corpus = SyntheticCorpus.Lines(16_000, 3).ToList();
        long bytes = corpus.Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t));
        var clock = Stopwatch.StartNew();
        HfTokenizer tok = BpeTrainer.Train(corpus, new BpeTrainerOptions { VocabSize = 2200, MinFrequency = 1 });
        clock.Stop();
        long tokens = corpus.Take(1000).Sum(t => (long)tok.Encode(t).Length);
        long sampleBytes = corpus.Take(1000).Sum(t => (long)System.Text.Encoding.UTF8.GetByteCount(t));
        output.WriteLine($"trained {tok.Merges.Count} merges (vocab {tok.VocabSize}) on {bytes / 1e6:F2} MB in {clock.Elapsed.TotalSeconds:F2} s; {sampleBytes / (double)tokens:F2} bytes/token");
        Assert.True(bytes > 4_000_000, $"corpus is only {bytes} bytes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"training took {clock.Elapsed}");
    }
}
