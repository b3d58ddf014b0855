using ReMiT.Tasks;

namespace ReMiT.Tasks.Tests;

public sealed class ProblemIdTests
{
    [Fact]
    public void Of_PlainText_FirstSixteenHexOfSha256()
    {
        // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
        Assert.Equal("ba7816bf8f01cfea", ProblemId.Of("abc"));
        // sha256("") = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
        Assert.Equal("e3b0c44298fc1c14", ProblemId.Of(""));
    }

    [Fact]
    public void Of_WhitespaceRunsAndEnds_NormalisedToSingleSpaces()
    {
        // sha256("a b c") = 0e9f64031fcb2bc708b531c2a20441580425d151a38503f38592a7dd36019d3b
        Assert.Equal("0e9f64031fcb2bc7", ProblemId.Of("a b c"));
        Assert.Equal("0e9f64031fcb2bc7", ProblemId.Of("  a \t b\n\nc \n"));
        Assert.Equal(ProblemId.Of(""), ProblemId.Of(" \n\t "));
    }

    [Fact]
    public void Of_DifferentText_DifferentId()
    {
        Assert.NotEqual(ProblemId.Of("ab c"), ProblemId.Of("a b c"));
    }
}
