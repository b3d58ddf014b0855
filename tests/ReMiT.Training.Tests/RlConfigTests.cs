using ReMiT.Training.Flywheel;
using ReMiT.Tests.Shared;

namespace ReMiT.Training.Tests;

/// <summary>The RL keys of issue 10: refill rounds and rl.ops = auto.</summary>
public sealed class RlConfigTests
{
    private static string Preset(string name) => Path.Combine(RepoPaths.Root, "cluster", "presets", name + ".json");

    [Fact]
    public void Load_AutoOpsWithBandOverride_Parses()
    {
        var rl = ConfigLoader.Load(Preset("smoke"), ["rl.ops=auto", "rl.auto_ops=2-6", "rl.auto_band=[0.1,0.6]", "rl.max_refill_rounds=2"]).Rl;
        Assert.True(rl.MeasuresOps());
        Assert.Equal(("2-6", 0.1, 0.6, 2), (rl.AutoOps, rl.AutoBand[0], rl.AutoBand[1], rl.MaxRefillRounds));
    }

    [Fact]
    public void Load_BadAutoSettings_ListedWithTheirKeys()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Preset("smoke"),
            ["rl.ops=auto", "rl.auto_ops=x", "rl.auto_band=[0.6,0.1]", "rl.calibration_samples=0", "rl.max_refill_rounds=-1"]));
        foreach (string part in new[] { "rl.auto_ops 'x'", "rl.auto_band must be [low, high]", "rl.calibration_samples must be >= 1", "rl.max_refill_rounds must be 0–8" })
            Assert.Contains(part, e.Message);
    }

    [Fact]
    public void Load_AutoOpsOnKk_Rejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => ConfigLoader.Load(Preset("smoke"), ["rl.ops=auto", "rl.task=kk"]));
        Assert.Contains("ops = auto measures GSM ops", e.Message);
    }
}
