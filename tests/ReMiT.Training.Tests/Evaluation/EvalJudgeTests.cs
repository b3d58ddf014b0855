using ReMiT.Tasks.Gsm;
using ReMiT.Tasks.KnightsKnaves;
using ReMiT.Training.Data;

namespace ReMiT.Training.Tests.Evaluation;

public sealed class EvalJudgeTests
{
    private static GsmEvalItem Problem() =>
        new(new GsmGenerator().Generate(3, GsmTemplate.Zoo, GsmMode.Forward, seed: 11));

    [Fact]
    public void Judge_GoldResponse_AnswerAndStrictWithGoldStepCount()
    {
        var item = Problem();
        var j = EvalJudge.Judge(item, item.GoldResponse);
        Assert.True(j.Answer);
        Assert.True(j.Strict);
        Assert.Equal(EvalJudge.GoldSteps(item), j.Steps);
        Assert.True(j.Steps >= 2, $"an op-3 gold solution defines at least 2 quantities, got {j.Steps}");
    }

    [Fact]
    public void Judge_RightAnswerWithoutTheSteps_AnswerButNotStrict()
    {
        var item = Problem();
        // Lands on the answer but writes no "Define … as X;" step: process reward 0.
        var j = EvalJudge.Judge(item, $" </solution> <answer> {item.Answer} </answer>");
        Assert.True(j.Answer);
        Assert.False(j.Strict);
        Assert.Equal(0, j.Steps);
    }

    [Fact]
    public void Judge_RightAnswerAfterAWrongStep_AnswerButNotStrict()
    {
        var item = Problem();
        string gold = item.Problem.Solution;
        // Drop the last step of the gold trace (a missing node ⇒ penalty > 0), keep the right answer.
        int lastDefine = gold.LastIndexOf("Define", StringComparison.Ordinal);
        string truncated = gold[..lastDefine];
        var j = EvalJudge.Judge(item, $" {truncated} </solution> <answer> {item.Answer} </answer>");
        Assert.True(j.Answer);
        Assert.False(j.Strict);
        Assert.Equal(EvalJudge.GoldSteps(item) - 1, j.Steps);
    }

    [Fact]
    public void Judge_GoldStepsWrongAnswer_NeitherLevel()
    {
        var item = Problem();
        string wrong = item.Answer == "1" ? "2" : "1";
        var j = EvalJudge.Judge(item, $" {item.Problem.Solution} </solution> <answer> {wrong} </answer>");
        Assert.False(j.Answer);
        Assert.False(j.Strict);
    }

    [Fact]
    public void Judge_KnightsKnaves_BothLevelsAreTheAssignmentAndNoSteps()
    {
        var item = new KkEvalItem(KkGenerator.Generate(3, 3, 1, seed: 5).Single());
        var right = EvalJudge.Judge(item, item.GoldResponse);
        Assert.Equal(new EvalJudgement(true, true, null), right);
        Assert.Equal(new EvalJudgement(false, false, null), EvalJudge.Judge(item, "I cannot tell."));
        Assert.Null(EvalJudge.GoldSteps(item));
    }
}
