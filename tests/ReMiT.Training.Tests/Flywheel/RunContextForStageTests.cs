using ReMiT.Training.Flywheel;
using ReMiT.Training.Tests.Reporting;
using ReMiT.Tests.Shared;

namespace ReMiT.Training.Tests.Flywheel;

public sealed class RunContextForStageTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static FlywheelConfig Smoke() => ConfigLoader.Load(Path.Combine(RepoPaths.Root, "cluster", "presets", "smoke.json"));

    private static readonly PlannedStage[] Plan =
    [
        new("pretrain", PlannedKind.Pretrain, "", "base"),
        new("rl:edge", PlannedKind.Rl, "base", "rl-edge", Overrides: ["rl.ops=\"4\"", "rl.steps=7"]),
        new("midtrain:other", PlannedKind.MidTrain, "base", "other", "uniform",
            Overrides: ["mid_train.corpus={\"sources\": [{\"type\": \"gsm\", \"ops\": \"2\", \"modes\": [\"forward\"]}]}"]),
        new("eval:rl-edge", PlannedKind.Eval, "rl-edge", "rl-edge"),
    ];

    [Fact]
    public void ForStage_Overrides_AppliedToThatStageOnly()
    {
        var run = RunContext.Prepare(Smoke(), _dir.Path, resume: false, TextWriter.Null, Plan);
        var rl = run.ForStage(Plan[1]);
        Assert.Equal(("4", 7), (rl.Config.Rl.Ops, rl.Config.Rl.Steps));
        Assert.Equal(("3-4", 3), (run.Config.Rl.Ops, run.Config.Rl.Steps));
        Assert.Same(run, run.ForStage(Plan[0]));          // no overrides: the run's own context
        Assert.Same(rl, run.ForStage("rl:edge"));           // derived once per stage
        Assert.Same(run.Tokenizer, rl.Tokenizer);
        Assert.Equal(run.ModelConfig, rl.ModelConfig);
        Assert.Same(run.PretrainData, rl.PretrainData);     // corpus sections equal: corpora shared
    }

    [Fact]
    public void ForStage_DifferentCorpus_RegeneratesIt()
    {
        var run = RunContext.Prepare(Smoke(), _dir.Path, resume: false, TextWriter.Null, Plan);
        var other = run.ForStage(Plan[2]);
        Assert.NotSame(run.MidTrainData, other.MidTrainData);
        Assert.DoesNotContain(other.MidTrainData, d => d.Ids.Length == 0);
        Assert.Equal(run.Config.MidTrain.Documents, other.MidTrainData.Count);
    }

    [Fact]
    public void Open_CustomPlan_ReadBackFromPlanJson()
    {
        RunContext.Prepare(Smoke(), _dir.Path, resume: false, TextWriter.Null, Plan);
        var opened = RunContext.Open(_dir.Path);
        Assert.Equal(Plan.Select(s => s.Name), opened.Plan.Select(s => s.Name));
        Assert.Equal(Plan[1].Overrides, opened.Plan[1].Overrides);
        Assert.Equal(7, opened.ForStage("rl:edge").Config.Rl.Steps);
        Assert.Same(opened, opened.ForEval("base")); // no eval stage for base in this plan
    }

    [Fact]
    public void Prepare_NoPlan_BuildsTheFlywheelPlan()
    {
        var run = RunContext.Prepare(Smoke(), _dir.Path, resume: false, TextWriter.Null);
        Assert.Equal(FlywheelPlan.Build(run.Config).Select(s => s.Name), run.Plan.Select(s => s.Name));
        Assert.False(File.Exists(Path.Combine(_dir.Path, PlanFile.FileName)));
    }

    public void Dispose() => _dir.Dispose();
}
