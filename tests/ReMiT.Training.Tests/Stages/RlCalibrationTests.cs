using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using ReMiT.Training.Rl;
using ReMiT.Training.Stages;
using ReMiT.Training.Tests.Reporting;

namespace ReMiT.Training.Tests.Stages;

public sealed class RlCalibrationTests
{
    private static RlCalibration Sample() => new("rl:base", "base", "2-4", [0.05, 0.5], 1.0, 7,
        [new OpCompetence(2, 0.8, 16, 8), new OpCompetence(3, 0.25, 16, 8), new OpCompetence(4, 0.0, 16, 8)],
        "3", true, "ops 3–3 have sampled pass@1 in [0.05, 0.5]");

    [Fact]
    public void Save_ThenTryRead_RoundTripsUnderCalibrationFolder()
    {
        using var dir = new TempDir();
        string path = Sample().Save(dir.Path);
        Assert.Equal(Path.Combine(dir.Path, "calibration", "rl_base.json"), path);
        var back = RlCalibration.TryRead(dir.Path, "rl:base")!;
        Assert.Equal(("3", true, 3), (back.ChosenOps, back.InBand, back.Profile.Count));
        Assert.Equal(0.25, back.Profile[1].PassAt1);
        Assert.Null(RlCalibration.TryRead(dir.Path, "rl:remit"));
    }

    [Fact]
    public void Problems_HeldOutHook_SkipsThoseProblemsAndStaysReproducible()
    {
        var cfg = new RlSection { Ops = "auto", CalibrationPerOp = 6 };
        var all = RlCalibration.Problems(cfg, 11, op: 3);
        var held = new HashSet<string> { all[0].Prompt, all[2].Prompt };
        var kept = RlCalibration.Problems(cfg, 11, op: 3, held.Contains);
        Assert.Equal(6, kept.Count);
        Assert.DoesNotContain(kept, i => held.Contains(i.Prompt));
        Assert.Equal(all.Select(i => i.Prompt), RlCalibration.Problems(cfg, 11, op: 3).Select(i => i.Prompt));
    }

    [Fact]
    public void Problems_OwnSeedStream_DisjointFromTheRlStepsPrompts()
    {
        var cfg = new RlSection { Ops = "3", PromptsPerStep = 8 };
        var calibration = RlCalibration.Problems(cfg with { Ops = "auto" }, 11, op: 3).Select(i => i.Prompt).ToHashSet();
        var step0 = new RlPrompts(cfg, 11, new HashSet<string>()).ForStep(0).Select(i => i.Prompt);
        Assert.DoesNotContain(step0, calibration.Contains);
    }

    [Fact]
    public void ForStep_CalibratedOps_DrawsOnlyThoseOps()
    {
        using var dir = new TempDir();
        var cfg = new RlSection { Ops = "auto", PromptsPerStep = 4, MaxRefillRounds = 0 };
        Sample().Save(dir.Path);
        var items = new RlPrompts(cfg, 7, new HashSet<string>(), RlCalibration.TryRead(dir.Path, "rl:base")!.ChosenOps).ForStep(0);
        Assert.All(items, i => Assert.Equal(3, i.Difficulty));
        Assert.Throws<ArgumentException>(() => new RlPrompts(cfg, 7, new HashSet<string>()).ForStep(0)); // "auto" itself is not an op range
    }

    [Fact]
    public void Report_WithCalibration_ShowsProfileAndChoice()
    {
        using var dir = new TempDir();
        Sample().Save(dir.Path);
        string report = File.ReadAllText(RunReport.Build(dir.Path, warn: _ => { }));
        Assert.Contains("RL difficulty", report);
        Assert.Contains("ops **3**", report);
        Assert.Contains("0.250", report);
        Assert.Contains("16 × 8", report);
    }
}
