using ReMiT.Tasks;
using ReMiT.Training.Data;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Stages;
using ReMiT.Tests.Shared;

namespace ReMiT.Training.Tests.Evaluation;

public sealed class EvalSplitsTests
{
    private static FlywheelConfig Smoke() => ConfigLoader.Load(Path.Combine(RepoPaths.Root, "cluster", "presets", "smoke.json"));

    [Fact]
    public void Build_Smoke_DevAndTestDisjointDeterministicAndPerOp()
    {
        var config = Smoke();
        var splits = EvalSplits.Build(config, 7);

        Assert.Empty(splits.Dev.Select(p => p.Id).Intersect(splits.Test.Select(p => p.Id)));
        Assert.Equal(splits.Test.Select(p => p.Id), EvalSplits.Build(config, 7).Test.Select(p => p.Id));
        Assert.NotEqual(splits.Test.Select(p => p.Id), EvalSplits.Build(config, 8).Test.Select(p => p.Id));
        Assert.All(new[] { 2, 3, 4 }, op => Assert.Equal(config.Eval.PerOp, splits.Test.Count(p => p.Item.Difficulty == op)));
        Assert.All(splits.Test, p => Assert.Equal(ProblemId.Of(p.Item.Prompt), p.Id));
        Assert.Same(splits.Test, splits.Reported);
        Assert.Equal(splits.Dev.Count + splits.Test.Count, splits.HeldOutIds.Count);
    }

    [Fact]
    public void Build_DevSplitConfigured_ReportsTheDevSet()
    {
        var config = Smoke();
        var dev = EvalSplits.Build(config with { Eval = config.Eval with { Split = "dev" } }, 7);
        Assert.Equal(EvalSplits.Build(config, 7).Dev.Select(p => p.Id), dev.Reported.Select(p => p.Id));
        Assert.All(dev.Reported, p => Assert.Equal("dev", p.EvalSplit));
    }

    [Fact]
    public void Build_KnightsKnaves_PeopleCountsNoModesAndRecordsWithPeople()
    {
        var config = Smoke();
        config = config with { Eval = config.Eval with { Task = "kk", People = "3-4", PerOp = 3, IdOps = "3", EdgeOps = "4", HardOps = "5" } };
        var splits = EvalSplits.Build(config, 2);

        Assert.Equal([3, 3, 3, 4, 4, 4], splits.Test.Select(p => p.Item.Difficulty));
        Assert.All(splits.Test, p => Assert.Equal("", p.Mode));
        Assert.Equal(["id", "edge"], splits.Test.Select(p => p.Split).Distinct());
        Assert.Empty(splits.Dev.Select(p => p.Id).Intersect(splits.Test.Select(p => p.Id)));
        var record = Evaluator.Record(splits.Test[^1], new EvalJudgement(true, true, null), 2, 1, 1);
        Assert.Equal((null, 4, "kk"), (record.Op, record.People, record.Task));
        Assert.Null(record.GoldSteps);
    }

    [Fact]
    public void Build_ModesAndTemplatesUnset_AsPretrainingOtherwiseAsGiven()
    {
        var config = Smoke(); // pre-training: forward only, all three templates
        Assert.Equal(["forward"], EvalSplits.Modes(config));
        Assert.Equal(["zoo", "teachers", "movie"], EvalSplits.Templates(config));
        Assert.All(EvalSplits.Build(config, 1).Test, p => Assert.Equal("forward", p.Mode));

        var both = config with { Eval = config.Eval with { Modes = ["forward", "reverse"], Templates = ["teachers"] } };
        var problems = EvalSplits.Build(both, 1).Test;
        Assert.Contains(problems, p => p.Mode == "reverse");
        Assert.All(problems, p => Assert.Equal("teachers", p.Template));
    }

    [Fact]
    public void Build_Baseline_FitOnDevPerOpAndModeAndScoredOnTest()
    {
        var config = Smoke();
        config = config with { Eval = config.Eval with { PerOp = 12, Modes = ["forward", "reverse"] } };
        var splits = EvalSplits.Build(config, 3);

        foreach (var group in splits.Test.GroupBy(p => (p.Item.Difficulty, p.Mode)))
        {
            // The most common gold answer of the dev problems of that (op, mode), ties to the smallest string.
            string devGuess = splits.Dev.Where(p => (p.Item.Difficulty, p.Mode) == group.Key)
                .GroupBy(p => p.Item.Answer, StringComparer.Ordinal)
                .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).First().Key;
            Assert.All(group, p => Assert.Equal(devGuess, p.BaselineAnswer));
        }
        // Records score the guess against the test problem's own answer.
        var p0 = splits.Test[0];
        var record = Evaluator.Record(p0, new EvalJudgement(false, false, 1), 4, 0, 0);
        Assert.Equal(p0.BaselineAnswer == p0.Item.Answer, record.BaselineCorrect);
        Assert.Equal("test", record.EvalSplit);
    }

    [Fact]
    public void Smoke_EveryTrainingProblem_DisjointFromBothEvalSets()
    {
        var config = Smoke();
        ulong seed = unchecked((ulong)config.Seed);
        var splits = EvalSplits.Build(config, seed);
        var eval = splits.HeldOutIds;

        var (pre, mid) = RunContext.Documents(config, seed, eval);
        var trained = pre.Concat(mid).Select(d => ProblemId.Of(d.Prompt)).ToHashSet();
        var rl = new RlPrompts(config.Rl, seed, eval);
        for (int step = 0; step < config.Rl.Steps; step++)
            trained.UnionWith(rl.ForStep(step).Select(i => ProblemId.Of(i.Prompt)));

        Assert.Empty(trained.Intersect(eval));
        Assert.Empty(splits.Dev.Select(p => p.Id).Intersect(splits.Test.Select(p => p.Id)));
        Assert.Equal(config.Pretrain.Documents, pre.Count);
        Assert.Equal(config.MidTrain.Documents, mid.Count);
    }

    [Fact]
    public void ForStep_HeldOutPrompts_ReplacedByOthers()
    {
        var config = Smoke();
        var first = new RlPrompts(config.Rl, 4, new HashSet<string>()).ForStep(0);
        var heldOut = first.Select(i => ProblemId.Of(i.Prompt)).ToHashSet();

        var again = new RlPrompts(config.Rl, 4, heldOut).ForStep(0);

        Assert.Equal(first.Length, again.Length);
        Assert.DoesNotContain(again, i => heldOut.Contains(ProblemId.Of(i.Prompt)));
    }

    [Fact]
    public void Generate_HeldOutIds_SkippedAndReplacedByTheNextDocuments()
    {
        var mixture = new CorpusMixture([new GsmCorpusSource { Ops = "2-3", Modes = ["forward"] }]);
        var all = mixture.Generate(40, seed: 9);
        var heldOut = all.Take(3).Select(d => ProblemId.Of(d.Prompt)).ToHashSet();

        var kept = mixture.Generate(37, seed: 9, heldOut);

        Assert.Equal(37, kept.Count);
        Assert.DoesNotContain(kept, d => heldOut.Contains(ProblemId.Of(d.Prompt)));
        // The rest keep their order: a single source yields its stream minus the held-out problems.
        Assert.Equal(all.Skip(3).Select(d => d.Prompt), kept.Select(d => d.Prompt));
    }
}
