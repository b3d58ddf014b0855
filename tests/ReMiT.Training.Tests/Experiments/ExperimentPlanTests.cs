using ReMiT.Training.Experiments;
using ReMiT.Training.Flywheel;
using ReMiT.Tests.Shared;

namespace ReMiT.Training.Tests.Experiments;

public sealed class ExperimentPlanTests
{
    private static string Preset(string name) => Path.Combine(RepoPaths.Root, "cluster", "presets", name + ".json");

    [Fact]
    public void Build_RemitVsBaselines_SharesPretrainAndGuideAcrossArms()
    {
        var (spec, _) = ExperimentSpecLoader.Load(Path.Combine(RepoPaths.Root, "experiments", "remit-vs-baselines.json"), Preset);
        var plan = ExperimentPlan.Build(spec);
        // Eight arms, one pre-training and one guide RL per seed.
        Assert.Single(plan, s => s.Kind == PlannedKind.Pretrain);
        Assert.Single(plan, s => s.Name == "rl:base");
        Assert.Equal(spec.Arms.Select(a => $"eval:{a.Model}"), plan.Where(s => s.Kind == PlannedKind.Eval).Select(s => s.Name));
        Assert.Equal(plan.Count, plan.Select(s => s.Name).Distinct().Count());
        // Every stage comes after the stages writing its inputs.
        for (int i = 0; i < plan.Count; i++)
            foreach (string input in new[] { plan[i].From, plan[i].Guide ?? "" }.Where(m => m.Length > 0 && plan[i].Kind != PlannedKind.Eval))
                Assert.Contains(plan.Take(i), s => s.To == input);
    }

    [Fact]
    public void Build_OnlyStagesSomeArmNeeds_InSpecOrder()
    {
        var spec = new ExperimentSpec("t", "", "smoke", [], 1, ["seed"],
            [
                new SpecStage("pretrain", PlannedKind.Pretrain, "", "base", "", null, []),
                new SpecStage("rl:base", PlannedKind.Rl, "base", "base+rl", "", null, []),
                new SpecStage("midtrain:remit", PlannedKind.MidTrain, "base", "remit", "remit", "base+rl", ["mid_train.epsilon=0.3"]),
                new SpecStage("midtrain:unused", PlannedKind.MidTrain, "base", "unused", "uniform", null, []),
            ],
            [new SpecArm("remit", "remit", ""), new SpecArm("also-remit", "remit", "")],
            [new SpecComparison("remit", "also-remit", "greedy_strict", "edge", 1, true)]);
        var plan = ExperimentPlan.Build(spec);
        Assert.Equal(["pretrain", "rl:base", "midtrain:remit", "eval:remit"], plan.Select(s => s.Name));
        Assert.Equal(["mid_train.epsilon=0.3"], plan[2].Overrides);
        Assert.Null(plan[0].Overrides);
    }
}
