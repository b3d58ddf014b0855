namespace ReMiT.Training.Experiments;

/// <summary>
/// Statistics of a quantity measured per problem and per seed: <c>values[s][i]</c> is problem i of seed s
/// (a paired difference a − b, or one arm's score). Every estimate is the mean over seeds of the mean over
/// that seed's problems, so each seed counts once whatever its number of problems.
/// The inner loops run over plain arrays with one seeded <see cref="Random"/>: deterministic and fast enough for
/// tens of thousands of resamples of a few thousand problems.
/// </summary>
internal static class PairedStatistics
{
    public const int DefaultResamples = 4000;
    public const int DefaultFlips = 20000;

    /// <summary>z_{0.975} and z_{0.80}: α = 0.05 two-sided, 80% power.</summary>
    public const double ZAlpha = 1.959963984540054;
    public const double ZPower = 0.8416212335729143;

    /// <summary>Mean over seeds of the per-seed mean.</summary>
    public static double Mean(double[][] values)
    {
        Check(values);
        double total = 0;
        foreach (var seed in values) total += SeedMean(seed);
        return total / values.Length;
    }

    /// <summary>
    /// 95% (or <paramref name="level"/>) percentile CI by a hierarchical bootstrap: each resample draws the seeds
    /// with replacement, then, within each drawn seed, its problems with replacement, and takes the mean over seeds
    /// of the per-seed means. With one seed this is the ordinary paired bootstrap over problems. With several
    /// seeds the two stages together count problem-level noise twice when seeds differ little (the seed means
    /// already carry it), so the interval then errs wide (conservative); with few seeds (2–3) the seed stage has
    /// few distinct draws, so read the interval as a rough one.
    /// </summary>
    public static (double Low, double High) BootstrapCi(double[][] values, int resamples = DefaultResamples, int seed = 1, double level = 0.95)
    {
        Check(values);
        if (resamples < 2) throw new ArgumentOutOfRangeException(nameof(resamples), resamples, "the bootstrap needs at least 2 resamples (use thousands)");
        if (level is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(level), level, "level must lie in (0, 1), e.g. 0.95");
        var rng = new Random(seed);
        int seeds = values.Length;
        var stats = new double[resamples];
        for (int b = 0; b < resamples; b++)
        {
            double total = 0;
            for (int j = 0; j < seeds; j++)
            {
                var problems = values[seeds == 1 ? 0 : rng.Next(seeds)];
                int n = problems.Length;
                double sum = 0;
                for (int i = 0; i < n; i++) sum += problems[rng.Next(n)];
                total += sum / n;
            }
            stats[b] = total / seeds;
        }
        Array.Sort(stats);
        double tail = (1 - level) / 2;
        return (Quantile(stats, tail), Quantile(stats, 1 - tail));
    }

    /// <summary>
    /// Two-sided p-value of a sign-flip permutation test of paired differences, stratified by seed: under the null
    /// hypothesis that arms a and b are exchangeable on every problem, each difference is as likely to have either
    /// sign, so the statistic (mean over seeds of the per-seed mean difference) is recomputed with every difference's
    /// sign flipped at random, and p is the share of flips at least as extreme as the observed one. Problems with a
    /// zero difference cannot change the statistic and are left out of the flipping. With at most log2(flips)
    /// non-zero differences every sign pattern is enumerated (an exact p); otherwise p = (1 + hits) / (1 + flips).
    /// The test conditions on the seeds run: it asks whether the arms differ on these problems for these seeds,
    /// while the bootstrap CI also carries seed-to-seed variance.
    /// </summary>
    public static double SignFlipPValue(double[][] differences, int flips = DefaultFlips, int seed = 1)
    {
        Check(differences);
        if (flips < 1) throw new ArgumentOutOfRangeException(nameof(flips), flips, "the permutation test needs at least one flip (use thousands)");
        // Each difference enters the statistic with weight 1 / (seeds · problems of its seed).
        var weighted = new List<double>();
        foreach (var problems in differences)
            foreach (double d in problems)
                if (d != 0) weighted.Add(d / (differences.Length * problems.Length));
        if (weighted.Count == 0) return 1.0;
        var v = weighted.ToArray();
        double observed = Math.Abs(v.Sum());
        // Sums of the same terms in another order may differ in the last bits; a tie must count as a hit.
        double tolerance = 1e-9 * v.Sum(Math.Abs);

        if (v.Length < 31 && (1L << v.Length) <= flips)
        {
            long hits = 0, patterns = 1L << v.Length;
            for (long mask = 0; mask < patterns; mask++)
            {
                double t = 0;
                for (int j = 0; j < v.Length; j++) t += (mask >> j & 1) == 0 ? v[j] : -v[j];
                if (Math.Abs(t) >= observed - tolerance) hits++;
            }
            return (double)hits / patterns;
        }

        var rng = new Random(seed);
        long extreme = 0;
        for (int f = 0; f < flips; f++)
        {
            double t = 0;
            ulong bits = 0;
            int left = 0;
            for (int j = 0; j < v.Length; j++)
            {
                if (left == 0) { bits = (ulong)rng.NextInt64(); left = 62; } // NextInt64 is below 2^63: 62 fair bits
                t += (bits & 1) == 0 ? v[j] : -v[j];
                bits >>= 1;
                left--;
            }
            if (Math.Abs(t) >= observed - tolerance) extreme++;
        }
        return (1.0 + extreme) / (1.0 + flips);
    }

    /// <summary>
    /// Mean squared paired difference over all pairs. For 0/1 metrics this is the discordant-pair rate (the share of
    /// problems one arm solves and the other does not); for pass@k it is the same quantity's continuous analogue.
    /// </summary>
    public static double DisagreementRate(double[][] differences)
    {
        Check(differences);
        double sum = 0;
        long n = 0;
        foreach (var problems in differences)
            foreach (double d in problems) { sum += d * d; n++; }
        return sum / n;
    }

    /// <summary>
    /// Smallest true difference a design detects with 80% power at α = 0.05 two-sided, McNemar-style:
    /// MDE = (z_{α/2} + z_β) · sqrt(p_disc / (n · S)), with p_disc the disagreement rate, n problems per seed and S
    /// seeds (<paramref name="pairs"/> = n · S). It uses Var(d) ≈ p_disc (exact near a zero effect for 0/1 metrics:
    /// Var(d) = p_disc − δ²) and treats the n · S pairs as independent, i.e. it ignores seed-to-seed variance; when
    /// seeds differ beyond problem noise the true MDE is larger, and it never falls below what one seed's variance allows.
    /// </summary>
    public static double MinimumDetectableEffect(double disagreementRate, long pairs)
    {
        if (pairs < 1) throw new ArgumentOutOfRangeException(nameof(pairs), pairs, "need at least one paired problem");
        if (disagreementRate < 0 || !double.IsFinite(disagreementRate))
            throw new ArgumentOutOfRangeException(nameof(disagreementRate), disagreementRate, "disagreement rate must be a finite non-negative number");
        return (ZAlpha + ZPower) * Math.Sqrt(disagreementRate / pairs);
    }

    /// <summary>Linear interpolation between order statistics (R's type 7) of a sorted array.</summary>
    internal static double Quantile(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    private static double SeedMean(double[] problems)
    {
        double sum = 0;
        foreach (double x in problems) sum += x;
        return sum / problems.Length;
    }

    private static void Check(double[][] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length == 0) throw new ArgumentException("no seeds: give at least one seed's values", nameof(values));
        for (int s = 0; s < values.Length; s++)
            if (values[s] is null || values[s].Length == 0)
                throw new ArgumentException($"seed index {s} has no problems; a comparison needs at least one problem per seed", nameof(values));
    }
}
