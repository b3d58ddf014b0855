using System.Text.Json;
using ReMiT.Tests.Shared;

namespace ReMiT.Tokenization.Tests;

public sealed class HfTokenizerQwen3Tests
{
    public static TheoryData<string> ReferenceFiles() => ["qwen3_reference.jsonl", "qwen3_extended_reference.jsonl"];

    [Theory]
    [MemberData(nameof(ReferenceFiles))]
    public void Encode_ReferenceTexts_MatchHuggingFaceIdsAndDecode(string fixture)
    {
        HfTokenizer tokenizer = Qwen3Tokenizer.Get();
        string file = RepoPaths.Fixture("tokenizer", fixture);
        int lineNo = 0, checkedLines = 0;
        foreach (string line in File.ReadLines(file))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            using JsonDocument doc = JsonDocument.Parse(line);
            string text = doc.RootElement.GetProperty("text").GetString()!;
            int[] expected = doc.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            string decoded = doc.RootElement.GetProperty("decoded").GetString()!;
            int[] actual = tokenizer.Encode(text);
            Assert.True(expected.SequenceEqual(actual),
                $"{fixture}:{lineNo}: ids differ for {JsonSerializer.Serialize(text)}\n expected [{string.Join(",", expected)}]\n actual   [{string.Join(",", actual)}]");
            Assert.Equal(decoded, tokenizer.Decode(expected));
            checkedLines++;
        }
        Assert.True(checkedLines > 0, $"{file} has no lines");
    }

    [Fact]
    public void Load_Qwen3_ReportsVocabAndAddedTokens()
    {
        HfTokenizer tokenizer = Qwen3Tokenizer.Get();
        Assert.Equal(151669, tokenizer.VocabSize);
        Assert.Equal(26, tokenizer.AddedTokens.Count);
        Assert.Equal(151643, tokenizer.TokenToId("<|endoftext|>"));
        Assert.Equal("<|im_start|>", tokenizer.IdToToken(151644));
        Assert.Equal(220, tokenizer.TokenToId("Ġ"));
        Assert.Null(tokenizer.TokenToId("no such token at all"));
    }

    [Fact]
    public void Decode_SkipSpecialTokens_DropsOnlySpecialTokens()
    {
        HfTokenizer tokenizer = Qwen3Tokenizer.Get();
        int[] ids = tokenizer.Encode("<|im_start|>user\nhi<think>x</think><|im_end|>");
        Assert.Equal("user\nhi<think>x</think>", tokenizer.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Decode_UnknownId_ThrowsNamingTheId()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Qwen3Tokenizer.Get().Decode([1, 999_999]));
        Assert.Contains("999999", e.Message);
    }
}

public sealed class HfTokenizerQwen3RoundTripTests
{
    [Fact]
    public void EncodeDecode_RandomNfcText_RoundTrips()
    {
        HfTokenizer tokenizer = Qwen3Tokenizer.Get();
        foreach (string text in RandomText.Strings(2000, 3, ["<|im_start|>", "<|im_end|>", "<think>", "<|endoftext|>"]))
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Encode_SpecialTokenMidText_IsOneIdWithTextAround()
    {
        HfTokenizer tokenizer = Qwen3Tokenizer.Get();
        int[] ids = tokenizer.Encode("a<|im_end|>b");
        Assert.Equal(3, ids.Length);
        Assert.Equal(151645, ids[1]);
    }

    [Fact]
    public void Encode_Empty_ReturnsNoIds() => Assert.Empty(Qwen3Tokenizer.Get().Encode(""));
}
