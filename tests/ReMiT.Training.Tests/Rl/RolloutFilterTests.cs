using ReMiT.Training.Rl;

namespace ReMiT.Training.Tests.Rl;

public sealed class RolloutFilterTests
{
    [Theory]
    [InlineData(new[] { 1.0, 1.0, 1.0 }, false)]
    [InlineData(new[] { 0.0, 0.0 }, false)]
    [InlineData(new[] { 0.5 }, false)]
    [InlineData(new double[0], false)]
    [InlineData(new[] { 1.0, 0.0, 1.0 }, true)]
    [InlineData(new[] { 0.2, 0.2, 0.9 }, true)]
    public void KeepGroup_Rewards_DropsOnlyUniformGroups(double[] rewards, bool keep)
    {
        Assert.Equal(keep, DynamicSampling.KeepGroup(rewards));
    }

    [Theory]
    [InlineData(50, 0.0)]     // well inside
    [InlineData(80, 0.0)]     // exactly L_max − L_cache
    [InlineData(85, -0.25)]   // (80 − 85)/20
    [InlineData(90, -0.5)]    // (80 − 90)/20
    [InlineData(100, -1.0)]   // at L_max the ramp reaches −1
    [InlineData(101, -1.0)]   // beyond: flat −1
    [InlineData(500, -1.0)]
    public void Apply_Lengths_FollowsDapoRamp(int length, double penalty)
    {
        Assert.Equal(1.0 + penalty, OverlongPenalty.Apply(1.0, length, maxLength: 100, bufferLength: 20), 12);
    }

    [Fact]
    public void Apply_PenaltyFactor_ScalesRampAndFloor()
    {
        Assert.Equal(-1.0, OverlongPenalty.Apply(0.0, 90, 100, 20, penaltyFactor: 2.0), 12);
        Assert.Equal(-2.0, OverlongPenalty.Apply(0.0, 120, 100, 20, penaltyFactor: 2.0), 12);
    }

    [Fact]
    public void Apply_ZeroBuffer_IsHardCliff()
    {
        Assert.Equal(1.0, OverlongPenalty.Apply(1.0, 100, 100, 0));
        Assert.Equal(0.0, OverlongPenalty.Apply(1.0, 101, 100, 0));
    }

    [Fact]
    public void Apply_BufferLongerThanMax_Throws()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => OverlongPenalty.Apply(1.0, 10, 100, 200));
        Assert.Equal("bufferLength", ex.ParamName);
    }

    [Theory]
    [InlineData(8, 8, 0, true)]
    [InlineData(5, 8, 3, true)]
    [InlineData(4, 8, 3, false)]   // 4 versions old, bound 3
    [InlineData(9, 8, 3, false)]   // from a version the learner never had
    public void Accept_Versions_BoundsStaleness(long rollout, long current, int max, bool accept)
    {
        Assert.Equal(accept, Staleness.Accept(rollout, current, max));
    }

    [Fact]
    public void Of_OlderRollout_IsVersionGap()
    {
        Assert.Equal(3, Staleness.Of(5, 8));
        Assert.Equal(-1, Staleness.Of(9, 8));
    }

    [Fact]
    public void Accept_NegativeBound_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Staleness.Accept(1, 1, -1));
    }
}
