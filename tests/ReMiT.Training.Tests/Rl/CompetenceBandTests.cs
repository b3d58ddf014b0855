using ReMiT.Training.Rl;

namespace ReMiT.Training.Tests.Rl;

public sealed class CompetenceBandTests
{
    private static OpCompetence[] Profile(params double[] passAt1From2) =>
        passAt1From2.Select((p, i) => new OpCompetence(i + 2, p, 16, 8)).ToArray();

    [Fact]
    public void Choose_TypicalDecreasingProfile_PicksOpsInsideTheBand()
    {
        // ops 2..7: 0.9, 0.6, 0.4, 0.12, 0.02, 0 → 4 and 5 lie in [0.05, 0.5].
        var choice = CompetenceBand.Choose(Profile(0.9, 0.6, 0.4, 0.12, 0.02, 0.0), 0.05, 0.5);
        Assert.Equal((4, 5, true, "4-5"), (choice.MinOp, choice.MaxOp, choice.InBand, choice.Ops));
    }

    [Fact]
    public void Choose_BandEdgesInclusive_Counted()
    {
        var choice = CompetenceBand.Choose(Profile(0.5, 0.05), 0.05, 0.5);
        Assert.Equal("2-3", choice.Ops);
    }

    [Fact]
    public void Choose_InBandOpsNotContiguous_LongestRunLowerOnTie()
    {
        // ops 2..7: in band at 3, 5, 6 (4 is above the band): the run 5–6 is longest.
        var choice = CompetenceBand.Choose(Profile(0.9, 0.3, 0.8, 0.2, 0.1, 0.0), 0.05, 0.5);
        Assert.Equal("5-6", choice.Ops);
        Assert.Contains("not contiguous", choice.Note);
        Assert.Equal("3", CompetenceBand.Choose(Profile(0.9, 0.3, 0.8, 0.2, 0.9), 0.05, 0.5).Ops); // tie 3 vs 5
    }

    [Fact]
    public void Choose_NoneInBand_NearestOpAndSaysSo()
    {
        // Everything solved or nearly: op 4 at 0.55 is 0.05 above the band, the nearest.
        var choice = CompetenceBand.Choose(Profile(0.95, 0.8, 0.55), 0.05, 0.5);
        Assert.Equal((4, 4, false), (choice.MinOp, choice.MaxOp, choice.InBand));
        Assert.Contains("nearest", choice.Note);
        // Nothing solved: the distance 0.05 − 0 ties everywhere, the lowest op is taken.
        Assert.Equal("2", CompetenceBand.Choose(Profile(0, 0, 0), 0.05, 0.5).Ops);
    }

    [Fact]
    public void Choose_BadBand_ThrowsNamingTheKey()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => CompetenceBand.Choose(Profile(0.1), 0.6, 0.5));
        Assert.Contains("rl.auto_band", e.Message);
    }
}
