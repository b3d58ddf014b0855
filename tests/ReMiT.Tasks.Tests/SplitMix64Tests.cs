namespace ReMiT.Tasks.Tests;

public sealed class SplitMix64Tests
{
    [Fact]
    public void NextUInt64_SeedZero_MatchesReferenceVector()
    {
        // Reference outputs of Vigna's splitmix64.c for seed 0.
        var rng = new SplitMix64(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Fact]
    public void NextInt_SmallBound_StaysInRangeAndHitsEveryValue()
    {
        var rng = new SplitMix64(1);
        var seen = new bool[6];
        for (var i = 0; i < 600; i++)
            seen[rng.NextInt(6)] = true;
        Assert.All(seen, Assert.True);
        Assert.InRange(rng.NextInt(2, 8), 2, 8);
    }
}
