using ReMiT.Training.Experiments;

namespace ReMiT.Training.Tests.Experiments;

public sealed class HolmBonferroniTests
{
    [Fact]
    public void Adjust_FourComparisons_MatchesHandWorkedSteps()
    {
        // Sorted: 0.005·4 = 0.02; 0.01·3 = 0.03; 0.03·2 = 0.06; 0.04·1 = 0.04 → raised to 0.06 (monotone).
        var adjusted = HolmBonferroni.Adjust([0.01, 0.04, 0.03, 0.005]);

        Assert.Equal([0.03, 0.06, 0.06, 0.02], adjusted.Select(p => Math.Round(p, 12)));
    }

    [Fact]
    public void Adjust_LargeProducts_CappedAtOne()
    {
        Assert.Equal([1.0, 1.0, 0.9], HolmBonferroni.Adjust([0.6, 0.8, 0.3]).Select(p => Math.Round(p, 12)));
    }

    [Fact]
    public void Adjust_SingleComparison_Unchanged() => Assert.Equal([0.2], HolmBonferroni.Adjust([0.2]));

    [Fact]
    public void Adjust_OutOfRange_Throws() => Assert.Throws<ArgumentOutOfRangeException>(() => HolmBonferroni.Adjust([1.5]));
}
