using ReMiT.Tasks.Gsm;

namespace ReMiT.Tasks.Tests.Gsm;

public sealed class GsmSplitTests
{
    [Theory]
    [InlineData("id", 2, 10)]
    [InlineData("EDGE", 11, 14)]
    [InlineData("hard", 15, 20)]
    [InlineData("2-10", 2, 10)]
    [InlineData("7", 7, 7)]
    public void Parse_ValidText_ReturnsRange(string text, int min, int max) =>
        Assert.Equal(new GsmOpRange(min, max), GsmOpRange.Parse(text));

    [Theory]
    [InlineData("10-2")]
    [InlineData("easy")]
    [InlineData("2-")]
    [InlineData("")]
    public void Parse_InvalidText_ThrowsNamingInput(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => GsmOpRange.Parse(text));
        Assert.Contains($"'{text}'", ex.Message);
    }

    [Theory]
    [InlineData(2, "id")]
    [InlineData(10, "id")]
    [InlineData(11, "edge")]
    [InlineData(14, "edge")]
    [InlineData(15, "hard")]
    [InlineData(20, "hard")]
    [InlineData(21, "other")]
    public void SplitName_Op_ReturnsSplit(int op, string expected) => Assert.Equal(expected, GsmOpRange.SplitName(op));

    [Fact]
    public void ParseModesAndTemplates_FixtureNames_RoundTrip()
    {
        Assert.Equal(GsmMode.Reverse, GsmModes.Parse("forwardreverse"));
        Assert.Equal(GsmMode.Forward, GsmModes.Parse("forward"));
        Assert.Same(GsmTemplate.Teachers, GsmTemplate.Parse("teachers_in_school"));
        Assert.Same(GsmTemplate.MovieFestival, GsmTemplate.Parse("movie"));
        Assert.Throws<ArgumentException>(() => GsmTemplate.Parse("circus"));
    }
}
