using ReMiT.Tasks.Gsm;
using ReMiT.Tasks.KnightsKnaves;
using ReMiT.Training.Data;

namespace ReMiT.Training.Tests.Data;

public sealed class EvalSetTests
{
    [Fact]
    public void Gsm_OpRange_PerOpItemsDeterministicAndDistinct()
    {
        var set = EvalSet.Gsm(GsmOpRange.Parse("2-5"), perOp: 6, seed: 1);
        Assert.Equal([2, 3, 4, 5], set.Difficulties);
        Assert.All(set.Difficulties, op => Assert.Equal(6, set.Items.Count(i => i.Difficulty == op)));
        Assert.Equal(set.Items.Count, set.Items.Select(i => i.Prompt).Distinct().Count());
        Assert.Equal(set.Items.Select(i => i.Prompt), EvalSet.Gsm(GsmOpRange.Parse("2-5"), 6, 1).Items.Select(i => i.Prompt));
        Assert.All(set.Items, i => Assert.Equal("gsm", i.Task));
    }

    [Fact]
    public void Gsm_ExcludedProblemIds_NeverIncluded()
    {
        var first = EvalSet.Gsm(GsmOpRange.Parse("2-3"), perOp: 5, seed: 4);
        var exclude = first.Items.Take(3).Select(i => ReMiT.Tasks.ProblemId.Of(i.Prompt)).ToHashSet();
        var second = EvalSet.Gsm(GsmOpRange.Parse("2-3"), perOp: 5, seed: 4, excludeIds: exclude);
        Assert.DoesNotContain(second.Items, i => exclude.Contains(ReMiT.Tasks.ProblemId.Of(i.Prompt)));
        Assert.Equal(10, second.Items.Count);
    }

    [Fact]
    public void Gsm_SameSeedAsTraining_DisjointFromTrainingProblems()
    {
        var training = new GsmCorpusSource { Ops = "2-4" }.Generate(60, seed: 0).Select(d => d.Prompt).ToHashSet();
        var set = EvalSet.For(new GsmCorpusSource { Ops = "2-4" }, perDifficulty: 20, seed: 0);
        Assert.DoesNotContain(set.Items, i => training.Contains(i.Prompt));
    }

    [Fact]
    public void Verify_GsmGoldAndWrongAnswer_CorrectOnlyForGold()
    {
        var item = EvalSet.Gsm(GsmOpRange.Parse("4"), perOp: 1, seed: 2).Items.Single();
        Assert.Equal(new EvalVerdict(true, 1.0), item.Verify(item.GoldResponse));
        string wrong = item.GoldResponse.Replace($"<answer> {item.Answer} </answer>", $"<answer> {item.Answer}1 </answer>", StringComparison.Ordinal);
        Assert.Equal(new EvalVerdict(false, 0.0), item.Verify(wrong));
    }

    [Fact]
    public void Verify_KkGoldAndFlippedRole_CorrectOnlyForGold()
    {
        var set = EvalSet.Kk(2, 3, perCount: 3, seed: 5, KkRewardScheme.WarmUp);
        Assert.Equal([2, 3], set.Difficulties);
        var item = Assert.IsType<KkEvalItem>(set.Items[0]);
        Assert.Equal(new EvalVerdict(true, 2.0), item.Verify(item.GoldResponse));
        string firstRole = item.Puzzle.Solution[0] ? "knight" : "knave";
        string flipped = item.Puzzle.Solution[0] ? "knave" : "knight";
        string wrong = "CONCLUSION:\n" + item.Answer.Replace($"{item.Puzzle.Names[0]} is a {firstRole}", $"{item.Puzzle.Names[0]} is a {flipped}", StringComparison.Ordinal);
        Assert.Equal(new EvalVerdict(false, -0.5), item.Verify(wrong));
        Assert.Equal(new EvalVerdict(false, -2.0), item.Verify("I am not sure."));
    }

    [Fact]
    public void MostCommonAnswerBaselines_HandBuiltAnswers_FrequencyOfModePerDifficulty()
    {
        var set = new EvalSet("fake",
        [
            new FakeItem(2, "3"), new FakeItem(2, "5"), new FakeItem(2, "3"), new FakeItem(2, "7"),
            new FakeItem(3, "9"), new FakeItem(3, "1"), // tie: the ordinally smaller answer is reported
        ]);
        var baselines = set.MostCommonAnswerBaselines();
        Assert.Equal([new AnswerBaseline(2, "3", 2, 4), new AnswerBaseline(3, "1", 1, 2)], baselines);
        Assert.Equal(0.5, baselines[0].Accuracy);
    }

    [Fact]
    public void Score_GoldForHalfTheItems_AccuracyAndBaselinePerDifficulty()
    {
        var set = EvalSet.Gsm(GsmOpRange.Parse("2-3"), perOp: 4, seed: 3);
        var completions = set.Items.Select((item, i) => i % 2 == 0 ? item.GoldResponse : "no idea").ToArray();
        var scores = set.Score(completions);
        Assert.Equal([2, 3], scores.Select(s => s.Difficulty));
        Assert.All(scores, s =>
        {
            Assert.Equal(0.5, s.Accuracy);
            Assert.Equal(0.5, s.MeanReward, 12);
            Assert.Equal(s.Difficulty, s.Baseline.Difficulty);
            Assert.InRange(s.Baseline.Accuracy, 0.25, 1.0);
        });
        Assert.Throws<ArgumentException>(() => set.Score(completions[1..]));
    }

    private sealed record FakeItem(int D, string A) : EvalItem("fake", D, "prompt", A, A)
    {
        public override EvalVerdict Verify(string completion) => new(completion == Answer, completion == Answer ? 1 : 0);
    }
}
