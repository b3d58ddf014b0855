using System.Text.Json.Nodes;
using ReMiT.Training.Experiments;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Reporting;
using ReMiT.Tests.Shared;

namespace ReMiT.Training.Tests.Experiments;

public sealed class StageReuseTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-reuse-{Guid.NewGuid():N}");
    private string Source => Path.Combine(_dir, "source");
    private string Target => Path.Combine(_dir, "target");

    private static readonly string Smoke = Path.Combine(RepoPaths.Root, "cluster", "presets", "smoke.json");

    private static readonly PlannedStage[] Plan =
    [
        new("pretrain", PlannedKind.Pretrain, "", "base"),
        new("rl:base", PlannedKind.Rl, "base", "base+rl"),
        new("midtrain:uniform", PlannedKind.MidTrain, "base", "uniform", "uniform"),
        new("midtrain:remit", PlannedKind.MidTrain, "base", "remit", "remit", "base+rl"),
        new("eval:uniform", PlannedKind.Eval, "uniform", "uniform"),
    ];

    public StageReuseTests()
    {
        // A finished source run: every training stage done, one file per model, metrics of every stage.
        var config = ConfigLoader.Load(Smoke);
        Directory.CreateDirectory(Source);
        File.WriteAllText(Path.Combine(Source, "config.json"), ConfigLoader.ToJson(config));
        PlanFile.Write(Source, Plan);
        Directory.CreateDirectory(Path.Combine(Source, "tokenizer"));
        File.WriteAllText(Path.Combine(Source, "tokenizer", "tokenizer.json"), "{\"tok\":1}");
        foreach (var stage in Plan.Where(s => s.Kind != PlannedKind.Eval))
        {
            Directory.CreateDirectory(Path.Combine(Source, "models", stage.To, "sub"));
            File.WriteAllText(Path.Combine(Source, "models", stage.To, "sub", "weights.bin"), stage.To);
            Directory.CreateDirectory(Path.GetDirectoryName(StageSummary.PathFor(Source, stage.Name))!);
            File.WriteAllText(StageSummary.PathFor(Source, stage.Name), "{}");
            File.AppendAllLines(Path.Combine(Source, "metrics.jsonl"), [$$"""{"stage":"{{stage.Name}}","step":1,"metric":"loss","value":1}"""]);
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private IReadOnlyList<string> Copy(params string[] overrides) =>
        StageReuse.Copy(Source, Target, ConfigLoader.Load(Smoke, overrides), Plan, TextWriter.Null);

    [Fact]
    public void Copy_OnlyRlAndEvalSamplingDiffer_CopiesNonRlStagesWhoseInputsAreCopied()
    {
        var copied = Copy("rl.steps=7", "eval.samples=2", "eval.temperature=0.5");

        // rl:base's config differs, so it runs here — and so must midtrain:remit, guided by its model.
        Assert.Equal(["pretrain", "midtrain:uniform"], copied);
        Assert.Equal("base", File.ReadAllText(Path.Combine(Target, "models", "base", "sub", "weights.bin")));
        Assert.True(StageRunner.IsDone(Target, "midtrain:uniform"));
        Assert.False(StageRunner.IsDone(Target, "rl:base"));
        Assert.False(Directory.Exists(Path.Combine(Target, "models", "remit")));
        Assert.True(File.Exists(Path.Combine(Target, "tokenizer", "tokenizer.json")));
        var stages = File.ReadAllLines(Path.Combine(Target, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!["stage"]!.GetValue<string>());
        Assert.Equal(["pretrain", "midtrain:uniform"], stages);
        var record = JsonNode.Parse(File.ReadAllText(Path.Combine(Target, StageReuse.RecordFile)))!;
        Assert.Equal(Path.GetFullPath(Source), record["source"]!.GetValue<string>());
        Assert.False(File.Exists(Path.Combine(Target, "config.json"))); // the run is still prepared afresh
    }

    [Fact]
    public void Copy_SameConfig_CopiesEveryTrainingStageButNoEvaluation()
    {
        Assert.Equal(["pretrain", "rl:base", "midtrain:uniform", "midtrain:remit"], Copy());
        Assert.False(StageRunner.IsDone(Target, "eval:uniform"));
    }

    [Fact]
    public void Copy_PretrainingDiffers_CopiesNothing()
    {
        Assert.Empty(Copy("pretrain.lr=0.001"));
        Assert.False(Directory.Exists(Target));
    }

    [Fact]
    public void Copy_SeedDiffers_CopiesNothing() => Assert.Empty(Copy("seed=2"));

    [Fact]
    public void Copy_SourceStageUnfinished_RunsItAndWhatDependsOnIt()
    {
        File.Delete(StageSummary.PathFor(Source, "pretrain"));
        Assert.Empty(Copy());
    }

    [Fact]
    public void Copy_StagePlannedWithOtherOverrides_IsNotCopied()
    {
        var plan = Plan.Select(s => s.Name == "midtrain:uniform" ? s with { Overrides = ["mid_train.decay_steps=3"] } : s).ToList();
        var copied = StageReuse.Copy(Source, Target, ConfigLoader.Load(Smoke), plan, TextWriter.Null);
        Assert.DoesNotContain("midtrain:uniform", copied);
        Assert.Contains("midtrain:remit", copied);
    }

    [Fact]
    public void Copy_NoSourceRun_CopiesNothing() =>
        Assert.Empty(StageReuse.Copy(Path.Combine(_dir, "absent"), Target, ConfigLoader.Load(Smoke), Plan, TextWriter.Null));

    [Fact]
    public void Fingerprint_ShippedSpecs_RlDifficultyCanReuseRemitVsBaselinesPretraining()
    {
        // The README runs rl-difficulty with --reuse-from a remit-vs-baselines experiment: its pre-training must stay shareable.
        static FlywheelConfig Seed(string name)
        {
            var (spec, config) = ExperimentSpecLoader.Load(Path.Combine(RepoPaths.Root, "experiments", name + ".json"),
                                                           p => Path.Combine(RepoPaths.Root, "cluster", "presets", p + ".json"));
            return ExperimentSpecLoader.ForSeed(config, spec, seed: 2);
        }
        Assert.Equal(StageReuse.Fingerprint(Seed("remit-vs-baselines"), PlannedKind.Pretrain),
                     StageReuse.Fingerprint(Seed("rl-difficulty"), PlannedKind.Pretrain));
        Assert.NotEqual(StageReuse.Fingerprint(Seed("remit-vs-baselines"), PlannedKind.Rl),
                        StageReuse.Fingerprint(Seed("rl-difficulty"), PlannedKind.Rl));
    }
}
