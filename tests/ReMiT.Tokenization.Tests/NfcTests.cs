using ReMiT.Tokenization.Normalization;

namespace ReMiT.Tokenization.Tests;

public sealed class NfcTests
{
    [Theory]
    [InlineData("e\u0301", "\u00E9")] // composition
    [InlineData("\u212B", "\u00C5")] // singleton decomposition (Angstrom sign)
    [InlineData("a\u0302\u0323", "\u1EAD")] // reordering by combining class, then composition
    [InlineData("\u1100\u1161\u11A8", "\uAC01")] // Hangul LV + T
    [InlineData("\u0344", "\u0308\u0301")] // composition exclusion
    [InlineData("plain ASCII", "plain ASCII")]
    [InlineData("\uD835\uDC00", "\uD835\uDC00")] // astral letter, unchanged
    public void Normalize_KnownCases_MatchUnicode(string input, string expected) =>
        Assert.Equal(expected, Nfc.Normalize(input));

    [Fact]
    public void Normalize_InvariantGlobalization_StringNormalizeIsNoOpHere()
    {
        // Why Nfc exists: the BCL cannot do this under InvariantGlobalization on Linux.
        Assert.Equal("\u00E9", Nfc.Normalize("e\u0301"));
        Assert.Equal("\u00E9", Nfc.Normalize(Nfc.Normalize("e\u0301")));
    }
}
