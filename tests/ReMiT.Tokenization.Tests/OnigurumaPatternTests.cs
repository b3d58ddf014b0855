using ReMiT.Tokenization.PreTokenization;
using ReMiT.Tokenization.Training;

namespace ReMiT.Tokenization.Tests;

public sealed class OnigurumaPatternTests
{
    private static readonly OnigurumaPattern Qwen = new(BpeTrainerOptions.QwenSplitPattern);

    private static string[] Split(string text)
    {
        var pieces = new List<string>();
        HfTokenizer.SplitIsolated(Qwen, text, pieces);
        return pieces.ToArray();
    }

    [Fact]
    public void Matches_AstralLetters_AreLettersAsInOniguruma() =>
        Assert.Equal(["𝐀𝐁", " x", " ", "𝟎", "𝟏"], Split("𝐀𝐁 x 𝟎𝟏"));

    [Fact]
    public void Matches_CaselessContraction_FoldsLongS() =>
        Assert.Equal(["'ſ", "x"], Split("'ſx")); // HF tokenizers 0.23 gives the same

    [Fact]
    public void Matches_Digits_OneAtATime() => Assert.Equal(["1", "2", "3"], Split("123"));

    [Fact]
    public void Matches_WhitespaceRuns_KeepLastSpaceForNextWord() =>
        Assert.Equal(["a", "  ", " b", "\n\n", "c"], Split("a   b\n\nc"));

    [Fact]
    public void WhiteSpaceClass_EqualsUnicodeWhiteSpaceProperty()
    {
        // Oniguruma's \s is Unicode White_Space; .NET's must be the same set for identical splits.
        int[] whiteSpace = [.. Enumerable.Range(9, 5), 0x20, 0x85, 0xA0, 0x1680, .. Enumerable.Range(0x2000, 11), 0x2028, 0x2029, 0x202F, 0x205F, 0x3000];
        var regex = new System.Text.RegularExpressions.Regex(@"^\s$");
        for (int c = 0; c < 0x10000; c++)
            Assert.True(regex.IsMatch(((char)c).ToString()) == whiteSpace.Contains(c), $"U+{c:X4}");
    }

    [Fact]
    public void Constructor_PossessiveQuantifier_ThrowsNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => new OnigurumaPattern(@"\p{L}++"));
        Assert.Contains("possessive", e.Message);
    }
}
