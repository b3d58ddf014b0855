using ReMiT.Training.Flywheel;
using ReMiT.Tests.Shared;

namespace ReMiT.Training.Tests.Flywheel;

public sealed class DryRunTests
{
    private static FlywheelConfig Load(string name) => ConfigLoader.Load(Path.Combine(RepoPaths.Root, "cluster", "presets", name + ".json"));

    [Theory]
    [InlineData("smoke")]
    [InlineData("tiny")]
    [InlineData("small")]
    public void Apply_ShippedPresets_CapEveryStage(string name)
    {
        var c = DryRun.Apply(Load(name));
        Assert.True(c.IsDryRun);
        Assert.EndsWith("(dry run)", c.Name);
        Assert.Equal(2, c.Pretrain.WarmupSteps + c.Pretrain.StableSteps);
        Assert.True(c.MidTrain.DecaySteps <= 2 && c.Rl.Steps <= 2 && c.Sft.Steps <= 2);
        Assert.True(c.Pretrain.BatchSize <= 2 && c.MidTrain.BatchSize <= 2 && c.Sft.BatchSize <= 2 && c.Rl.PromptsPerStep <= 2 && c.Rl.GroupSize <= 2);
        Assert.True(c.Pretrain.Accumulation == 1 && c.MidTrain.Accumulation == 1);
        Assert.True(c.Pretrain.SeqLen <= 128 && c.MidTrain.SeqLen <= 128 && c.Sft.SeqLen <= 128);
        Assert.False(c.Rl.DynamicSampling); // the loss must run on an untrained model's all-equal rewards
        Assert.True(c.Eval.PerOp <= 4 && c.Eval.MaxNewTokens <= 16 && c.Rl.MaxNewTokens <= 16);
        Assert.Empty(c.Validate());
        Assert.Equal(Load(name).Model, c.Model); // same model shape: what crashes at full size crashes here
    }

    [Fact]
    public void Apply_TwiceIsOnce()
    {
        var once = DryRun.Apply(Load("tiny"));
        Assert.Equal(ConfigLoader.ToJson(once), ConfigLoader.ToJson(DryRun.Apply(once)));
    }

    [Fact]
    public void Apply_TinyLeasesOfEightPrompts_CappedToDivideTwoPrompts()
    {
        // tiny: 8 prompts per step in one lease of 8 → 2 prompts per step in one lease of 2.
        var c = DryRun.Apply(Load("tiny"));
        Assert.Equal((2, 2), (c.Rl.PromptsPerStep, c.Cluster.PromptsPerWork));
    }

    [Fact]
    public void StageConfig_DryRunStaysCappedUnderOverrides()
    {
        var c = RunContext.StageConfig(DryRun.Apply(Load("tiny")), "rl:x", ["rl.steps=500", "rl.ops=\"4\""]);
        Assert.Equal(2, c.Rl.Steps);
        Assert.Equal("4", c.Rl.Ops);
    }
}
