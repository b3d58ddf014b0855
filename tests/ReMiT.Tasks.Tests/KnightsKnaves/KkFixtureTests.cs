using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Tasks.Tests.KnightsKnaves;

/// <summary>Our solver, renderer and chain of thought against Xie et al.'s published puzzles.</summary>
public sealed class KkFixtureTests
{
    [Fact]
    public void Fixture_Loaded_HasTwentyPuzzles() => Assert.Equal(20, KkFixture.All.Count);

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void Solve_FixturePuzzle_UniqueAndEqualsPublishedSolution(int line)
    {
        var f = KkFixture.All[line];
        var result = KkSolver.Solve(f.Statements);
        Assert.Equal(1, result.Count);
        Assert.Equal(f.Solution, result.Solution);
    }

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void ToPython_FixturePuzzle_EqualsStatementsStr(int line)
    {
        var f = KkFixture.All[line];
        Assert.Equal(f.Str("statements_str"), $"({string.Join(", ", f.Statements.Select(s => s.ToPython()))})");
    }

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void Question_FixtureTemplatesRecovered_EqualsQuestionText(int line)
    {
        var f = KkFixture.All[line];
        var question = f.Str("question_text");
        // numpy's template draws are not reproducible here, so recover each person's template from the
        // text; every statement clause must then appear verbatim and the whole question must match.
        var templates = f.Names.Select((name, i) =>
        {
            var clause = KkText.Statement(f.Names, f.Statements[i]);
            var hits = Enumerable.Range(0, KkText.SayingTemplates.Count)
                .Where(t => question.Contains(" " + KkText.Saying(name, clause, t) + " ", StringComparison.Ordinal))
                .ToArray();
            Assert.True(hits.Length > 0, $"no template renders {name}'s clause '{clause}' as in: {question}");
            return hits[0];
        }).ToArray();
        Assert.Equal(question, KkText.Question(f.Names, f.Statements, templates));
    }

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void SolutionText_FixturePuzzle_EqualsPublishedTexts(int line)
    {
        var f = KkFixture.All[line];
        Assert.Equal(f.Str("solution_text"), KkText.SolutionText(f.Names, f.Solution));
        Assert.Equal(f.Str("solution_sentence"), KkText.SolutionSentence(f.Names, f.Solution));
    }

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void ChainOfThought_FixturePuzzle_EqualsPublishedCotExactly(int line)
    {
        var f = KkFixture.All[line];
        var cot = KkChainOfThought.Generate(f.Names, f.Statements);
        Assert.Equal(f.Str("cot_head"), cot.Head);
        Assert.Equal(f.Json["cot_steps"]!.AsArray().Select(s => s!.GetValue<string>()), cot.Steps);
        Assert.Equal(f.Str("cot_foot"), cot.Foot);
        Assert.Equal(f.Str("cot"), cot.Text);
    }

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void Trace_FixturePuzzle_EndsInPublishedSolution(int line)
    {
        var f = KkFixture.All[line];
        var last = Assert.IsType<KkSuccess>(KkChainOfThought.Trace(f.Statements)[^1]);
        Assert.Equal(f.Solution, last.Assignment);
    }

    [Theory]
    [MemberData(nameof(KkFixture.Lines), MemberType = typeof(KkFixture))]
    public void Depth_FixturePuzzle_AtMostTwo(int line) =>
        Assert.All(KkFixture.All[line].Statements, s => Assert.InRange(s.Depth, 1, 2));
}
