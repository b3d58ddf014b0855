using ReMiT.Training.Rl;

namespace ReMiT.Training.Tests.Rl;

public sealed class GrpoAdvantagesTests
{
    [Fact]
    public void Compute_GrpoTwoGroups_UsesUnbiasedStdPerGroup()
    {
        double[] rewards = [1, 0, 0, 3, 1, 2];
        var a = GrpoAdvantages.Compute(rewards, groupSize: 3, AdvantageMode.Grpo);

        // Group 1: mean ⅓, deviations (⅔, −⅓, −⅓), sample variance (4/9 + 1/9 + 1/9)/(3 − 1) = ⅓.
        double std1 = Math.Sqrt(1.0 / 3);
        // Group 2: mean 2, deviations (1, −1, 0), sample variance (1 + 1 + 0)/2 = 1.
        double std2 = 1.0;
        double[] expected =
        [
            (2.0 / 3) / (std1 + 1e-6), (-1.0 / 3) / (std1 + 1e-6), (-1.0 / 3) / (std1 + 1e-6),
            1 / (std2 + 1e-6), -1 / (std2 + 1e-6), 0,
        ];
        for (int i = 0; i < a.Length; i++) Assert.Equal(expected[i], a[i], 12);
        Assert.Equal(1.1547, a[0], 4); // not the population std's 1.4142
    }

    [Fact]
    public void Compute_DrGrpo_IsRewardMinusGroupMean()
    {
        var a = GrpoAdvantages.Compute([1, 0, 0, 3, 1, 2], groupSize: 3, AdvantageMode.DrGrpo);

        double[] expected = [2.0 / 3, -1.0 / 3, -1.0 / 3, 1, -1, 0];
        for (int i = 0; i < a.Length; i++) Assert.Equal(expected[i], a[i], 12);
    }

    [Theory]
    [InlineData(AdvantageMode.Grpo)]
    [InlineData(AdvantageMode.DrGrpo)]
    public void Compute_EqualRewards_AllZero(AdvantageMode mode)
    {
        var a = GrpoAdvantages.Compute([0.2, 0.2, 0.2, 0.2], groupSize: 4, mode);

        Assert.All(a, x => Assert.Equal(0.0, x));
    }

    [Fact]
    public void Compute_GroupOfOne_Zero()
    {
        Assert.Equal([0.0, 0.0], GrpoAdvantages.Compute([1.0, 0.0], groupSize: 1, AdvantageMode.Grpo));
    }

    [Fact]
    public void Compute_PartialGroup_ThrowsNamingRewards()
    {
        var ex = Assert.Throws<ArgumentException>(() => GrpoAdvantages.Compute([1, 0, 1], groupSize: 2, AdvantageMode.Grpo));
        Assert.Equal("rewards", ex.ParamName);
        Assert.Contains("groupSize 2", ex.Message);
    }

    [Fact]
    public void Compute_NaNReward_ThrowsNamingIndex()
    {
        var ex = Assert.Throws<ArgumentException>(() => GrpoAdvantages.Compute([1, double.NaN], groupSize: 2, AdvantageMode.Grpo));
        Assert.Contains("rewards[1]", ex.Message);
    }
}
