using ReMiT.Training.Rl;

namespace ReMiT.Training.Tests.Rl;

public sealed class DynamicSamplingRefillTests
{
    [Fact]
    public void NextRoundPrompts_EnoughKept_IsZero()
    {
        bool[] keep = [true, false, true, true, true];
        Assert.Equal(0, DynamicSamplingRefill.NextRoundPrompts(keep, promptsPerStep: 4, roundsDrawn: 1, maxRefillRounds: 2, promptsPerWork: 2));
    }

    [Fact]
    public void NextRoundPrompts_ThreeDropped_DrawsShortfallInWholeWorkItems()
    {
        // 8 prompts, 5 kept: 3 short, rounded up to work items of 2 → 4.
        bool[] keep = [true, false, true, false, true, true, false, true];
        Assert.Equal(4, DynamicSamplingRefill.NextRoundPrompts(keep, 8, 1, 1, 2));
        Assert.Equal(3, DynamicSamplingRefill.NextRoundPrompts(keep, 8, 1, 1, 1));
    }

    [Fact]
    public void NextRoundPrompts_NoneKept_CapsAtPromptsPerStep()
    {
        Assert.Equal(6, DynamicSamplingRefill.NextRoundPrompts(new bool[6], 6, 1, 3, 4));
    }

    [Fact]
    public void NextRoundPrompts_RoundsUsedUp_IsZero()
    {
        // Own prompts plus 2 refill rounds drawn with max 2: stop though still short.
        Assert.Equal(0, DynamicSamplingRefill.NextRoundPrompts(new bool[12], 4, roundsDrawn: 3, maxRefillRounds: 2, promptsPerWork: 2));
        Assert.Equal(0, DynamicSamplingRefill.NextRoundPrompts(new bool[4], 4, roundsDrawn: 1, maxRefillRounds: 0, promptsPerWork: 2));
    }

    [Fact]
    public void Select_MoreKeptThanNeeded_FirstKeptInPromptOrder()
    {
        bool[] keep = [false, true, false, true, true, true];
        Assert.Equal(new[] { 1, 3, 4 }, DynamicSamplingRefill.Select(keep, 3));
        Assert.Equal(new[] { 1, 3, 4, 5 }, DynamicSamplingRefill.Select(keep, 8));
    }

    [Fact]
    public void RoundOf_PromptIndices_MapToRounds()
    {
        Assert.Equal((0, 0, 1, 2), (DynamicSamplingRefill.RoundOf(0, 4), DynamicSamplingRefill.RoundOf(3, 4),
                                    DynamicSamplingRefill.RoundOf(4, 4), DynamicSamplingRefill.RoundOf(9, 4)));
        Assert.Equal(8, DynamicSamplingRefill.FirstPromptOfRound(2, 4));
    }
}
