using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Tasks.Tests.KnightsKnaves;

public sealed class KkGeneratorTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Generate_ManySeeds_UniqueDepthAtMostTwoAndCotEndsInSolution(int people)
    {
        for (var seed = 0UL; seed < 8; seed++)
            foreach (var p in KkGenerator.Generate(people, people, 5, seed * 7919 + (ulong)people))
            {
                Assert.Equal(people, p.PeopleCount);
                Assert.True(KkSolver.IsUniquelySolvable(p.Statements));
                Assert.InRange(p.Depth, 1, 2);
                Assert.Equal(people, p.Names.Distinct().Count());
                Assert.All(p.Names, n => Assert.Contains(n, KkGenerator.Names));
                var success = Assert.IsType<KkSuccess>(KkChainOfThought.Trace(p.Statements)[^1]);
                Assert.Equal(p.Solution, success.Assignment);
                Assert.EndsWith(KkChainOfThought.SuccessFoot, p.Cot.Text);
                Assert.StartsWith("A very special island", p.Question);
                Assert.All(p.Statements, s => Assert.DoesNotContain(s.ToPython(), "('lying', -1)"));
            }
    }

    [Fact]
    public void Generate_SameSeed_SameTextsDifferentSeedDiffers()
    {
        static string Dump(ulong seed) => string.Join("\n",
            KkGenerator.Generate(2, 8, 20, seed).Select(p => KkJson.ToJson(p).ToJsonString()));
        Assert.Equal(Dump(42), Dump(42));
        Assert.NotEqual(Dump(42), Dump(43));
    }

    [Fact]
    public void Generate_OneCall_NoRepeatedPuzzle()
    {
        var keys = KkGenerator.Generate(2, 2, 40, 7).Select(p => string.Join("|", p.Statements.Select(s => s.ToPython()))).ToArray();
        Assert.Equal(keys.Length, keys.Distinct().Count());
    }

    [Fact]
    public void Generate_WideJunctions_StillUniqueAndDepthTwo()
    {
        var puzzles = KkGenerator.Generate(2, 6, 30, 11, maxWidth: 4).ToArray();
        Assert.All(puzzles, p => Assert.True(KkSolver.IsUniquelySolvable(p.Statements)));
        Assert.Contains(puzzles, p => p.Statements.OfType<KkJunction>().Any(j => j.Operands.Length > 2));
    }

    [Fact]
    public void Generate_OperatorMix_CoversEveryOperator()
    {
        var all = KkGenerator.Generate(3, 6, 100, 5).SelectMany(p => p.Statements).ToArray();
        Assert.Contains(all, s => s is KkClaim);
        Assert.Contains(all, s => s is KkNot);
        Assert.Contains(all, s => s is KkAnd);
        Assert.Contains(all, s => s is KkOr);
        Assert.Contains(all, s => s is KkImplies);
        Assert.Contains(all, s => s is KkIff);
        // No one ever calls themselves a knave (unsatisfiable on its face).
        var puzzles = KkGenerator.Generate(3, 6, 100, 5);
        Assert.All(puzzles, p => Assert.DoesNotContain(p.Statements.Select((s, i) => (s, i)), x => x.s == KkStatement.Knave(x.i)));
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(5, 4)]
    [InlineData(2, 13)]
    public void Generate_BadPeopleRange_Throws(int min, int max) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KkGenerator.Generate(min, max, 1, 0));

    [Fact]
    public void KkPuzzle_AmbiguousStatements_ThrowsNamingCount()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new KkPuzzle(["A", "B"], [KkStatement.Knight(0), KkStatement.Knight(1)], [0, 0]));
        Assert.Contains("found 4", e.Message);
    }

    [Fact]
    public void KkPuzzle_RepeatedName_Throws() =>
        Assert.Throws<ArgumentException>(() =>
            new KkPuzzle(["A", "A"], [KkStatement.Knave(1), new KkAnd(KkStatement.Knight(0), KkStatement.Knight(1))], [0, 0]));

    [Fact]
    public void Question_TwoPeople_KeepsXieSerialComma()
    {
        var p = new KkPuzzle(["Emma", "Liam"], [KkStatement.Knave(1), new KkAnd(KkStatement.Knight(0), KkStatement.Knight(1))], [0, 4]);
        Assert.Equal(
            "A very special island is inhabited only by knights and knaves. Knights always tell the truth, and knaves always lie. " +
            "You meet 2 inhabitants: Emma, and Liam. Emma said that Liam is a knave. " +
            "According to Liam, \"Emma is a knight and Liam is a knight\". So who is a knight and who is a knave?",
            p.Question);
        Assert.Equal("(1) Emma is a knight\n(2) Liam is a knave", p.SolutionText);
    }
}
