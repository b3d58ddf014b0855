using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

public sealed class SplitOrderTests
{
    [Fact]
    public void Compare_MixedSplits_KnownFirstThenNatural()
    {
        string[] splits = ["op10", "people4", "hard", "op2", "id", "edge", "people3", "test"];

        Assert.Equal(["id", "edge", "hard", "op2", "op10", "people3", "people4", "test"], splits.Order(SplitOrder.Instance));
    }
}
