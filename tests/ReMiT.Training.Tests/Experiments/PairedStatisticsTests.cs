using ReMiT.Training.Experiments;

namespace ReMiT.Training.Tests.Experiments;

public sealed class PairedStatisticsTests
{
    [Fact]
    public void Mean_SeedsOfDifferentSizes_AveragesSeedMeans()
    {
        // (0.5 + 0.75) / 2, not the pooled 4/6.
        Assert.Equal(0.625, PairedStatistics.Mean([[1, 0], [1, 1, 1, 0]]), 12);
    }

    [Fact]
    public void Statistics_IdenticalArms_DiffZeroIntervalZeroPOne()
    {
        double[][] diffs = [new double[30], new double[30], new double[30]];

        Assert.Equal(0, PairedStatistics.Mean(diffs));
        Assert.Equal((0.0, 0.0), PairedStatistics.BootstrapCi(diffs));
        Assert.Equal(1.0, PairedStatistics.SignFlipPValue(diffs));
        Assert.Equal(0, PairedStatistics.DisagreementRate(diffs));
    }

    [Fact]
    public void Statistics_ConstantPlusOne_DiffOneDegenerateIntervalExactP()
    {
        double[][] diffs = [[1, 1, 1], [1, 1]];

        Assert.Equal(1, PairedStatistics.Mean(diffs));
        Assert.Equal((1.0, 1.0), PairedStatistics.BootstrapCi(diffs));
        // 5 non-zero differences: all 32 sign patterns enumerated; only all-plus and all-minus reach |1|.
        Assert.Equal(2.0 / 32, PairedStatistics.SignFlipPValue(diffs), 12);
    }

    [Fact]
    public void SignFlipPValue_ThreeOfFourWon_ExactByEnumeration()
    {
        // The zero difference is left out; of the 8 patterns of (+1, +1, +1) only the two uniform ones reach |3/4|.
        Assert.Equal(0.25, PairedStatistics.SignFlipPValue([[1, 1, 1, 0]]), 12);
        // (+1, −1, +1): every pattern's sum is odd, so |sum| ≥ 1 always: p = 1.
        Assert.Equal(1.0, PairedStatistics.SignFlipPValue([[1, -1, 1]]), 12);
    }

    [Fact]
    public void SignFlipPValue_FortyWins_MonteCarloFloor()
    {
        double[][] diffs = [Enumerable.Repeat(1.0, 40).ToArray()];

        // Too many patterns to enumerate; no random flip reaches all-plus, so p = 1 / (1 + flips).
        Assert.Equal(1.0 / 10_001, PairedStatistics.SignFlipPValue(diffs, flips: 10_000), 12);
    }

    [Fact]
    public void SignFlipPValue_NoEffect_NotSmallAndDeterministic()
    {
        var rng = new Random(7);
        double[][] diffs = [Enumerable.Range(0, 200).Select(_ => (double)rng.Next(-1, 2)).ToArray()];

        double p = PairedStatistics.SignFlipPValue(diffs);

        Assert.Equal(p, PairedStatistics.SignFlipPValue(diffs));
        Assert.InRange(p, 0.05, 1.0);
    }

    [Fact]
    public void BootstrapCi_TwoSeedsOneProblemEach_SpansSeedMeans()
    {
        // Each resample is two seed draws from {1, 0}: means 0, 0.5, 1 with probabilities 1/4, 1/2, 1/4,
        // so the 2.5% and 97.5% quantiles are 0 and 1.
        Assert.Equal((0.0, 1.0), PairedStatistics.BootstrapCi([[1], [0]]));
    }

    [Fact]
    public void BootstrapCi_SameSeed_SameInterval() =>
        Assert.Equal(PairedStatistics.BootstrapCi([[1, 0, -1, 1, 0]], seed: 3), PairedStatistics.BootstrapCi([[1, 0, -1, 1, 0]], seed: 3));

    [Fact]
    public void BootstrapCi_OneSeed_CoversTrueEffectAboutNinetyFivePercent()
    {
        // 300 simulated experiments of 150 problems with d ∈ {−1, 0, +1} at (0.15, 0.60, 0.25): true effect 0.10.
        double coverage = Coverage(seeds: 1, problems: 150, experiments: 300);

        Assert.InRange(coverage, 0.91, 0.985);
    }

    [Fact]
    public void BootstrapCi_ThreeSeedsNoSeedEffect_CoversAtLeastNominal()
    {
        // Problem noise enters both bootstrap stages, so with no true seed effect the interval errs wide (documented).
        double coverage = Coverage(seeds: 3, problems: 60, experiments: 300);

        Assert.InRange(coverage, 0.93, 1.0);
    }

    [Fact]
    public void MinimumDetectableEffect_KnownInputs_MatchesFormula()
    {
        // (1.959964 + 0.841621) · sqrt(0.2 / 100) = 2.801585 · 0.0447214 = 0.125291.
        Assert.Equal(0.125291, PairedStatistics.MinimumDetectableEffect(0.2, 100), 5);
        Assert.Equal(0, PairedStatistics.MinimumDetectableEffect(0, 100));
    }

    [Fact]
    public void MinimumDetectableEffect_TrueEffectAtMde_SignFlipRejectsAboutEightyPercent()
    {
        // 200 problems, 40% discordant: MDE = 2.8016 · sqrt(0.4 / 200) = 0.125. Simulate that true effect
        // (wins 0.2627, losses 0.1373) and count how often the test rejects at 0.05: the design's power, ≈ 0.8
        // (a little above, since Var(d) = p_disc − δ² is below the p_disc the formula uses).
        const int problems = 200, experiments = 200;
        double mde = PairedStatistics.MinimumDetectableEffect(0.4, problems);
        double win = (0.4 + mde) / 2, loss = (0.4 - mde) / 2;
        var rng = new Random(99);
        int rejected = 0;
        for (int e = 0; e < experiments; e++)
        {
            var d = new double[problems];
            for (int i = 0; i < problems; i++)
            {
                double u = rng.NextDouble();
                d[i] = u < win ? 1 : u < win + loss ? -1 : 0;
            }
            if (PairedStatistics.SignFlipPValue([d], flips: 2000, seed: e + 1) <= 0.05) rejected++;
        }

        Assert.Equal(0.1253, mde, 4);
        Assert.InRange((double)rejected / experiments, 0.70, 0.92);
    }

    [Fact]
    public void DisagreementRate_ZeroOneDifferences_IsDiscordantShare() =>
        Assert.Equal(0.5, PairedStatistics.DisagreementRate([[1, 0, -1, 0]]), 12);

    [Fact]
    public void BootstrapCi_SeedWithoutProblems_ThrowsNamingSeed()
    {
        var e = Assert.Throws<ArgumentException>(() => PairedStatistics.BootstrapCi([[1], []]));

        Assert.Contains("seed index 1", e.Message);
    }

    private static double Coverage(int seeds, int problems, int experiments)
    {
        const double trueEffect = 0.10;
        var rng = new Random(12345);
        int covered = 0;
        for (int e = 0; e < experiments; e++)
        {
            var diffs = new double[seeds][];
            for (int s = 0; s < seeds; s++)
            {
                diffs[s] = new double[problems];
                for (int i = 0; i < problems; i++)
                {
                    double u = rng.NextDouble();
                    diffs[s][i] = u < 0.15 ? -1 : u < 0.75 ? 0 : 1;
                }
            }
            var (low, high) = PairedStatistics.BootstrapCi(diffs, resamples: 1000, seed: e + 1);
            if (low <= trueEffect && trueEffect <= high) covered++;
        }
        return (double)covered / experiments;
    }
}
