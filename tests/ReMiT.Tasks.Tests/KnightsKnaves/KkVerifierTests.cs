using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Tasks.Tests.KnightsKnaves;

public sealed class KkVerifierTests
{
    private static readonly string[] Names = ["Elizabeth", "Grace", "Chloe"];
    private static readonly bool[] Solution = [false, true, false];
    private const string Answer = "(1) Elizabeth is a knave\n(2) Grace is a knight\n(3) Chloe is a knave";

    private static KkJudgement Judge(string response) => KkVerifier.Judge(response, Names, Solution);

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void Judge_FixtureSolutionText_CorrectWithAndWithoutConclusion(int line)
    {
        var f = KkFixture.All[line];
        var text = f.Str("solution_text");
        Assert.Equal(KkVerdict.Correct, KkVerifier.Judge("CONCLUSION:\n" + text, f.Names, f.Solution).Verdict);
        Assert.Equal(KkVerdict.Correct, KkVerifier.Judge(text, f.Names, f.Solution).Verdict);
        Assert.Equal(KkVerdict.Correct, KkVerifier.Judge($"{f.Str("cot")}\n\nCONCLUSION:\n{text}", f.Names, f.Solution).Verdict);
    }

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void Judge_FixtureSolutionMutated_WrongOrMalformed(int line)
    {
        var f = KkFixture.All[line];
        var lines = f.Str("solution_text").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var flipped = lines.ToArray();
            flipped[i] = flipped[i].EndsWith("knight") ? flipped[i][..^6] + "knave" : flipped[i][..^5] + "knight";
            Assert.Equal(KkVerdict.Wrong, KkVerifier.Judge("CONCLUSION:\n" + string.Join("\n", flipped), f.Names, f.Solution).Verdict);

            var dropped = lines.Where((_, k) => k != i);
            var judged = KkVerifier.Judge("CONCLUSION:\n" + string.Join("\n", dropped), f.Names, f.Solution);
            Assert.Equal(KkVerdict.Malformed, judged.Verdict);
            Assert.Contains("missing", judged.Problem);

            var duplicated = lines.Append(lines[i]);
            judged = KkVerifier.Judge("CONCLUSION:\n" + string.Join("\n", duplicated), f.Names, f.Solution);
            Assert.Equal(KkVerdict.Malformed, judged.Verdict);
            Assert.Contains("twice", judged.Problem);
        }
    }

    [Theory]
    [InlineData("<think>...</think>\n<answer>\n(1) Elizabeth is a knave\n(2) Grace is a knight\n(3) Chloe is a knave\n</answer>")]
    [InlineData("<think>x</think><answer>CONCLUSION:\n" + Answer + "</answer>")]
    [InlineData("reasoning\nCONCLUSION:\n\n1. **Elizabeth is a knave.**\n2) grace is a Knight\n- Chloe is a knave.\n\nSo that's it.")]
    [InlineData("CONCLUSION: (1) Elizabeth is a knave\n(3) Chloe is a knave\n(2) Grace is a knight")]
    [InlineData("CONCLUSION:\nwrong guess\nCONCLUSION:\n" + Answer)]
    public void Judge_AcceptedFormats_Correct(string response) => Assert.Equal(KkVerdict.Correct, Judge(response).Verdict);

    [Theory]
    [InlineData("I think Grace is a knight.", "no 'CONCLUSION:'", false)]
    [InlineData("", "no 'CONCLUSION:'", false)]
    [InlineData("CONCLUSION:\n\n", "empty", false)]
    [InlineData("<answer>(1) Elizabeth is a knave", "never closed", true)]
    [InlineData("CONCLUSION:\n(1) Elizabeth is a knave\n(2) Grace is a knight\n(3) Zoe is a knave", "unknown name 'Zoe'", true)]
    [InlineData("CONCLUSION:\n(1) Elizabeth is a knave\n(2) Grace is a knight\n(3) Chloe is a spy", "unknown role 'spy'", true)]
    [InlineData("CONCLUSION:\nElizabeth and Chloe are knaves, Grace is a knight", "unknown name", true)]
    [InlineData("CONCLUSION:\nThe answer follows.\n" + Answer, "unparsable", true)]
    [InlineData("CONCLUSION:\n(1) Elizabeth is a knave\n\n(2) Grace is a knight\n(3) Chloe is a knave", "Grace is missing", true)]
    public void Judge_BadAnswer_MalformedWithReason(string response, string problem, bool answerFound)
    {
        var j = Judge(response);
        Assert.Equal(KkVerdict.Malformed, j.Verdict);
        Assert.Contains(problem, j.Problem);
        Assert.Equal(answerFound, j.AnswerFound);
    }

    [Fact]
    public void Judge_OneRoleWrong_WrongNamingPerson()
    {
        var j = Judge("CONCLUSION:\n(1) Elizabeth is a knave\n(2) Grace is a knave\n(3) Chloe is a knave");
        Assert.Equal(KkVerdict.Wrong, j.Verdict);
        Assert.Equal("Grace is a knight", j.Problem);
    }

    [Fact]
    public void Judge_SolutionLengthMismatch_Throws() =>
        Assert.Throws<ArgumentException>(() => KkVerifier.Judge(Answer, Names, [true]));

    [Theory]
    [InlineData("CONCLUSION:\n" + Answer, 2, 1, 3)]
    [InlineData("CONCLUSION:\n(1) Elizabeth is a knight\n(2) Grace is a knight\n(3) Chloe is a knave", -0.5, 0, -0.5)]
    [InlineData("CONCLUSION:\n(1) Elizabeth is a knave", -1, 0, -1)]
    [InlineData("no idea", -2, 0, -3)]
    public void Reward_Presets_PayPerVerdict(string response, double warmUp, double binary, double logicRl)
    {
        var j = Judge(response);
        Assert.Equal(warmUp, KkRewardScheme.WarmUp.Reward(j));
        Assert.Equal(binary, KkRewardScheme.Binary.Reward(j));
        Assert.Equal(logicRl, KkRewardScheme.LogicRl.Reward(j));
    }

    [Fact]
    public void Named_KnownAndUnknownPresets_ResolvesOrThrows()
    {
        Assert.Same(KkRewardScheme.WarmUp, KkRewardScheme.Named("Warm-Up"));
        Assert.Same(KkRewardScheme.LogicRl, KkRewardScheme.Named("logic-rl"));
        Assert.Contains("'nope'", Assert.Throws<ArgumentException>(() => KkRewardScheme.Named("nope")).Message);
    }
}
