using ReMiT.Training.Flywheel;
using ReMiT.Training.Stages;

namespace ReMiT.Training.Tests.Stages;

public sealed class RlPromptsTests
{
    private static readonly RlSection Cfg = new() { Ops = "3-4", PromptsPerStep = 4 };
    private static readonly IReadOnlySet<string> NoneHeldOut = new HashSet<string>();

    [Fact]
    public void ForStep_RefillRounds_AppendedAfterOwnPromptsWhichStayTheSame()
    {
        var without = new RlPrompts(Cfg with { MaxRefillRounds = 0 }, seed: 7, NoneHeldOut).ForStep(3);
        var with = new RlPrompts(Cfg with { MaxRefillRounds = 2 }, seed: 7, NoneHeldOut).ForStep(3);
        Assert.Equal(4, without.Length);
        Assert.Equal(12, with.Length);
        Assert.Equal(without.Select(i => i.Prompt), with.Take(4).Select(i => i.Prompt));
    }

    [Fact]
    public void ForStep_RefillRounds_DisjointFromTheStepsOtherPromptsAndReproducible()
    {
        var items = new RlPrompts(Cfg with { MaxRefillRounds = 2 }, seed: 7, NoneHeldOut).ForStep(5);
        Assert.Equal(items.Length, items.Select(i => i.Prompt).Distinct().Count());
        var again = new RlPrompts(Cfg with { MaxRefillRounds = 2 }, seed: 7, NoneHeldOut).ForStep(5);
        Assert.Equal(items.Select(i => i.Prompt), again.Select(i => i.Prompt));
        var otherStep = new RlPrompts(Cfg with { MaxRefillRounds = 2 }, seed: 7, NoneHeldOut).ForStep(6);
        Assert.NotEqual(items.Skip(4).Select(i => i.Prompt), otherStep.Skip(4).Select(i => i.Prompt));
    }

    [Fact]
    public void ForStep_DynamicSamplingOff_NoRefillPrompts()
    {
        Assert.Equal(4, new RlPrompts(Cfg with { MaxRefillRounds = 3, DynamicSampling = false }, seed: 7, NoneHeldOut).ForStep(0).Length);
    }
}
