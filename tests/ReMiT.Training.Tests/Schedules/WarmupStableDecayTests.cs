using ReMiT.Training.Schedules;

namespace ReMiT.Training.Tests.Schedules;

public sealed class WarmupStableDecayTests
{
    [Fact]
    public void LearningRate_Linear_HandComputedValues()
    {
        var s = new WarmupStableDecay(PeakLr: 1.0, WarmupSteps: 4, StableSteps: 2, DecaySteps: 5, FinalRatio: 0.1);
        double[] expected = [0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 0.775, 0.55, 0.325, 0.1, 0.1];
        for (int step = 0; step < expected.Length; step++)
            Assert.Equal(expected[step], s.LearningRate(step), 12);
    }

    [Fact]
    public void PhaseAt_Boundaries_MatchDecayStart()
    {
        var s = new WarmupStableDecay(1e-3, 10, 20, 5);
        Assert.Equal(30, s.DecayStart);
        Assert.Equal(35, s.TotalSteps);
        Assert.Equal(SchedulePhase.Warmup, s.PhaseAt(9));
        Assert.Equal(SchedulePhase.Stable, s.PhaseAt(10));
        Assert.Equal(SchedulePhase.Stable, s.PhaseAt(29));
        Assert.Equal(SchedulePhase.Decay, s.PhaseAt(30));
        Assert.Equal(SchedulePhase.Done, s.PhaseAt(35));
    }

    [Theory]
    [InlineData(DecayShape.Linear)]
    [InlineData(DecayShape.OneMinusSqrt)]
    [InlineData(DecayShape.Cosine)]
    public void LearningRate_Decay_StartsAtPeakEndsAtFinalAndNeverRises(DecayShape shape)
    {
        var s = new WarmupStableDecay(3e-4, 0, 0, 50, FinalRatio: 0.05, Shape: shape);
        Assert.Equal(3e-4, s.LearningRate(0), 15);
        Assert.Equal(3e-4 * 0.05, s.LearningRate(49), 15);
        for (int i = 1; i < 50; i++) Assert.True(s.LearningRate(i) <= s.LearningRate(i - 1));
    }

    [Fact]
    public void Validate_BadValues_ListsEveryProblem()
    {
        var errors = new WarmupStableDecay(0, -1, -2, -3, FinalRatio: 2).Validate();
        Assert.Equal(5, errors.Count);
        Assert.Empty(new WarmupStableDecay(1e-3, 1, 1, 1).Validate());
    }
}
