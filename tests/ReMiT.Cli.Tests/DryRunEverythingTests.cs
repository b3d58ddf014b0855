using ReMiT.Tests.Shared;

namespace ReMiT.Cli.Tests;

/// <summary>
/// CI's guard that every shipped preset and experiment spec runs: each goes through <c>--dry-run</c>
/// (every stage, the same code path, capped to a few steps), so a stage that would crash at full size
/// (e.g. a config combination no test covers) fails here in minutes.
/// </summary>
public sealed class DryRunEverythingTests : IDisposable
{
    private readonly CliHarness _h = new();

    public static TheoryData<string> Presets() => new(Files("cluster/presets"));
    public static TheoryData<string> Specs() => new(Files("experiments"));

    private static IEnumerable<string> Files(string folder) =>
        Directory.GetFiles(Path.Combine(RepoPaths.Root, folder), "*.json").Select(Path.GetFileNameWithoutExtension).Order()!;

    [Theory]
    [MemberData(nameof(Presets))]
    public void Flywheel_DryRun_EveryPresetRunsEveryStage(string preset)
    {
        string run = _h.PathOf(preset);
        var (exit, output, err) = _h.Run("flywheel", "--preset", preset, "--dry-run", "--out", run);
        Assert.True(exit == 0, $"remit flywheel --preset {preset} --dry-run: exit {exit}\n{err}\n{output[^Math.Min(output.Length, 4000)..]}");
        Assert.Contains("DRY RUN", output);
        Assert.Contains("(dry run)", File.ReadAllText(Path.Combine(run, "config.json")));
        Assert.Contains("DRY RUN", File.ReadAllText(Path.Combine(run, "report.md")));
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Experiment_DryRun_EverySpecRunsEveryStage(string spec)
    {
        string dir = _h.PathOf(spec);
        var (exit, output, err) = _h.Run("experiment", "run", "--spec", spec, "--seeds", "1", "--dry-run", "--out", dir);
        Assert.True(exit == 0, $"remit experiment run --spec {spec} --dry-run: exit {exit}\n{err}\n{output[^Math.Min(output.Length, 4000)..]}");
        Assert.Contains("DRY RUN", output);
        string experiment = File.ReadAllText(Path.Combine(dir, "experiment.json"));
        Assert.Contains("\"dry_run\": true", experiment);
        Assert.Contains("\"primary\": true", experiment);
    }

    public void Dispose() => _h.Dispose();
}
