using ReMiT.Tasks.Gsm;

namespace ReMiT.Tasks.Tests.Gsm;

public sealed class InterplayRewardTests
{
    private const string Gold = "Define adult owl in X as a; so a = 2. Define adult fox in X as b; c = a = 2; so b = 3 * c = 3 * 2 = 6. Answer: 6.";

    private static string Response(string trace, string answer) => $"{trace} </solution> <answer> {answer} </answer>";

    [Fact]
    public void Score_GoldAsResponse_AllOne()
    {
        var r = InterplayReward.Score(Gold, "6", Response(Gold.Replace(" Answer: 6.", ""), "6"));
        Assert.Equal(new GsmReward(1, 1, 1), r with { Comparison = null });
    }

    [Fact]
    public void Parse_AssignmentChain_OnlyLastSegmentEvaluated()
    {
        var g = SolutionGraph.Parse("Define p in Y as a; so a = 1 + 1 = 5.");
        Assert.Equal(5.0, g.Nodes["p in Y"].Value);
    }

    [Fact]
    public void Score_UntaggedAnswer_OutcomeZeroButProcessOne()
    {
        var r = InterplayReward.Score(Gold, "6", Gold);
        Assert.Equal(0.0, r.Outcome);
        Assert.Equal(1.0, r.Process);
        Assert.Equal(0.0, r.Combined);
    }

    [Fact]
    public void Parse_CoefficientNextToLetter_NotSubstituted()
    {
        // "3a" has no word boundary before a, so it is not substituted: evaluation fails and the
        // value falls back to the last number of the assignment, 3; the dependency still counts.
        var g = SolutionGraph.Parse("Define p in Y as a; so a = 2. Define q in Y as b; so b = 3a.");
        Assert.Equal(3.0, g.Nodes["q in Y"].Value);
        Assert.Equal(["p in Y"], g.Nodes["q in Y"].Dependencies);
    }

    [Fact]
    public void Parse_DuplicateStepNames_LaterStepReplaces()
    {
        var g = SolutionGraph.Parse("Define p in Y as a; so a = 2. Define p in Y as b; so b = 7.");
        Assert.Single(g.Nodes);
        Assert.Equal(2, g.StepCount);
        Assert.Equal(7.0, g.Nodes["p in Y"].Value);
        Assert.Equal("b", g.Nodes["p in Y"].Variable);
    }

    [Fact]
    public void Score_ResponseWithoutSteps_ProcessZero()
    {
        var r = InterplayReward.Score(Gold, "6", "I think it is six. <answer> 6 </answer>");
        Assert.Equal(1.0, r.Outcome);
        Assert.Equal(0.0, r.Process);
        Assert.Equal(0.2, r.Combined, 12);
    }

    [Fact]
    public void Score_EmptyGoldSolution_ProcessEqualsOutcome()
    {
        Assert.Equal(new GsmReward(1, 1, 1), InterplayReward.Score("  ", "6", "<answer> 6 </answer>") with { Comparison = null });
        Assert.Equal(new GsmReward(0, 0, 0), InterplayReward.Score("", "6", "<answer> 5 </answer>") with { Comparison = null });
    }

    [Fact]
    public void Score_StrictWithWrongStepButRightAnswer_Zero()
    {
        string response = Response("Define adult owl in X as a; so a = 3. Define adult fox in X as b; c = a = 2; so b = 3 * c = 3 * 2 = 6.", "6");
        var lenient = InterplayReward.Score(Gold, "6", response);
        var strict = InterplayReward.Score(Gold, "6", response, strict: true);
        Assert.Equal(0.5, lenient.Process, 12);
        Assert.Equal(0.2 + 0.8 * 0.5, lenient.Combined, 12);
        Assert.Equal(0.0, strict.Combined);
    }

    [Fact]
    public void Score_WrongAnswer_CombinedZero()
    {
        var r = InterplayReward.Score(Gold, "6", Response(Gold.Replace(" Answer: 6.", ""), "7"));
        Assert.Equal(0.0, r.Outcome);
        Assert.Equal(0.5, r.Process, 12); // answer mismatch costs 1 of 2 nodes
        Assert.Equal(0.0, r.Combined);
    }

    [Fact]
    public void Score_ExtraNodes_PenaltyCappedAtGoldSize()
    {
        string extra = string.Concat(Enumerable.Range(0, 5).Select(i => $" Define extra {i} in Z as {(char)('d' + i)}; so {(char)('d' + i)} = 1."));
        var r = InterplayReward.Score(Gold, "6", Response(Gold.Replace(" Answer: 6.", "") + extra, "6"));
        Assert.Equal(5, r.Comparison!.Extra.Count);
        Assert.Equal(0.0, r.Process);
    }

    [Theory]
    [InlineData("<answer> 12. </answer>", "12")]
    [InlineData("<ANSWER>7</Answer>", "7")]
    [InlineData("blah <answer> 9 <br>", "9")]
    [InlineData("<answer> 4\n5", "4")]
    [InlineData("Answer: 3", "")]
    public void ExtractTagged_Variants_MatchPython(string text, string expected) =>
        Assert.Equal(expected, GsmAnswer.Normalise(GsmAnswer.ExtractTagged(text)));

    [Fact]
    public void ExtractNumber_TagThenColonFallback()
    {
        Assert.Equal(5.0, GsmAnswer.ExtractNumber("Answer: 3. <answer> 5 </answer>"));
        Assert.Equal(-3.5, GsmAnswer.ExtractNumber("so Answer: -3.5"));
        Assert.Null(GsmAnswer.ExtractNumber("answer: 3"));
    }
}
