using ReMiT.Tasks.KnightsKnaves;

namespace ReMiT.Tasks.Tests.KnightsKnaves;

public sealed class KkSolverTests
{
    [Fact]
    public void Solve_XieUnitTestPuzzle_KnightThenKnave()
    {
        // lib_kk.py's own test: A says "B is a knave", B says "A and B are knights".
        KkStatement[] s = [KkStatement.Knave(1), new KkAnd(KkStatement.Knight(0), KkStatement.Knight(1))];
        var r = KkSolver.Solve(s);
        Assert.True(r.IsUnique);
        Assert.Equal([true, false], r.Solution);
    }

    [Fact]
    public void AllSolutions_EveryoneVouchesForThemselves_AllAssignmentsInXieOrder()
    {
        KkStatement[] s = [KkStatement.Knight(0), KkStatement.Knight(1)];
        var all = KkSolver.AllSolutions(s);
        Assert.Equal(4, all.Count);
        Assert.Equal([true, true], all[0]);
        Assert.Equal([true, false], all[1]);
        Assert.Equal([false, false], all[3]);
        Assert.False(KkSolver.IsUniquelySolvable(s));
    }

    [Fact]
    public void Solve_Contradiction_NoSolution()
    {
        // A: "A is a knave" — no one can say that.
        var r = KkSolver.Solve([KkStatement.Knave(0), KkStatement.Knight(0)]);
        Assert.Equal(0, r.Count);
        Assert.Null(r.Solution);
        Assert.IsType<KkFail>(KkChainOfThought.Trace([KkStatement.Knave(0), KkStatement.Knight(0)])[^1]);
    }

    [Fact]
    public void Solve_NoStatements_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => KkSolver.Solve([]));
}
