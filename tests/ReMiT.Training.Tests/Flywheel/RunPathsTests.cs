using ReMiT.Training.Flywheel;

namespace ReMiT.Training.Tests.Flywheel;

public sealed class RunPathsTests
{
    [Theory]
    [InlineData("base")]
    [InlineData("remit")]
    [InlineData("midtrain:remit")]   // stage names carry a colon; one segment all the same
    [InlineData("a..b")]             // dots inside a name do not climb
    [InlineData("rl-base_2")]
    public void ModelName_PlainSegment_IsReturnedUnchanged(string name) => Assert.Equal(name, RunPaths.ModelName(name));

    [Theory]
    [InlineData("", "empty")]
    [InlineData("   ", "empty")]
    [InlineData("..", "parent folder")]
    [InlineData(".", "current")]
    [InlineData("../outside", "path separator")]
    [InlineData("models/../../x", "path separator")]
    [InlineData("/etc", "path separator")]
    [InlineData("a\\b", "path separator")]
    [InlineData("bad\nname", "control character")]
    [InlineData("nul\0byte", "control character")]
    public void ModelName_NotOnePlainSegment_ThrowsNamingTheValueAndWhy(string name, string why)
    {
        var e = Assert.Throws<InvalidDataException>(() => RunPaths.ModelName(name));
        Assert.Contains("model name '", e.Message);
        Assert.Contains(why, e.Message);
        Assert.DoesNotContain("\n", e.Message); // control characters are escaped, the message stays one line
    }

    [Fact]
    public void StageName_Absolute_ThrowsNamingTheValue()
    {
        var e = Assert.Throws<InvalidDataException>(() => RunPaths.StageName("/tmp/stage"));
        Assert.Contains("stage name '/tmp/stage'", e.Message);
    }

    [Fact]
    public void Problem_TooLong_SaysSo_AndAPlainNameHasNone()
    {
        Assert.Contains("longer than", RunPaths.Problem(new string('m', RunPaths.MaxNameLength + 1)));
        Assert.Null(RunPaths.Problem(new string('m', RunPaths.MaxNameLength)));
        Assert.Equal("it is empty", RunPaths.Problem(null));
    }
}
