using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

public sealed class StageSummaryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Save_StageWithColon_WritesUnderscoredFileWithSnakeCaseFields()
    {
        using var dir = new TempDir();
        var summary = new StageSummary("rl:base", StageKind.Rl, "models/rl_base", T0, T0.AddMinutes(2), 120, 50, 12345, null,
            new Dictionary<string, double> { ["mean_reward"] = 0.4 });

        string path = summary.Save(dir.Path);

        Assert.Equal(Path.Combine(dir.Path, "stages", "rl_base.json"), path);
        string json = File.ReadAllText(path);
        Assert.Contains("\"kind\": \"rl\"", json);
        Assert.Contains("\"started_at\"", json);
        Assert.Contains("\"final_loss\": null", json);
        Assert.Contains("\"mean_reward\": 0.4", json);
    }

    [Fact]
    public void ReadAll_SeveralSummaries_RoundTripOrderedByStart()
    {
        using var dir = new TempDir();
        var rl = new StageSummary("rl:base", StageKind.Rl, "models/rl", T0.AddHours(1), T0.AddHours(2), 3600, 10, 100);
        var pre = new StageSummary("pretrain", StageKind.Pretrain, "models/base", T0, T0.AddHours(1), 3600, 1000, 1_000_000, 2.5);
        rl.Save(dir.Path);
        pre.Save(dir.Path);

        var all = StageSummary.ReadAll(dir.Path);

        Assert.Equal(["pretrain", "rl:base"], all.Select(s => s.Stage));
        Assert.Equal(pre with { Extra = null }, all[0] with { Extra = null });
    }

    [Fact]
    public void ReadAll_CorruptFile_SkippedWithWarning()
    {
        using var dir = new TempDir();
        new StageSummary("pretrain", StageKind.Pretrain, null, T0, T0, 1, 1, 1).Save(dir.Path);
        File.WriteAllText(Path.Combine(dir.Path, "stages", "broken.json"), "{\"stage\": ");
        var warnings = new List<string>();

        var all = StageSummary.ReadAll(dir.Path, warnings.Add);

        Assert.Single(all);
        Assert.Contains("broken.json", Assert.Single(warnings));
    }

    [Fact]
    public void PathFor_StageWithSlash_ThrowsNamingStage()
    {
        var e = Assert.Throws<ArgumentException>(() => StageSummary.PathFor("/tmp", "rl/base"));

        Assert.Contains("'rl/base'", e.Message);
    }
}
