using ReMiT.Tasks.Evaluation;

namespace ReMiT.Tasks.Tests.Evaluation;

public sealed class PassAtKTests
{
    [Theory]
    // Hand-computed: 1 - C(n-c,k)/C(n,k)
    [InlineData(10, 3, 1, 0.3)]                       // k = 1 is c/n
    [InlineData(5, 2, 2, 0.7)]                        // 1 - C(3,2)/C(5,2) = 1 - 3/10
    [InlineData(10, 1, 5, 0.5)]                       // 1 - C(9,5)/C(10,5) = 1 - 126/252
    [InlineData(8, 2, 3, 1.0 - 20.0 / 56.0)]          // C(6,3)=20, C(8,3)=56
    [InlineData(100, 7, 10, 1.0 - 0.4667404143172144)] // C(93,10)/C(100,10) by exact integers (Python math.comb)
    public void Estimate_HandComputedCases_MatchesClosedForm(int n, int c, int k, double expected)
    {
        Assert.Equal(expected, PassAtK.Estimate(n, c, k), 12);
    }

    [Fact]
    public void Estimate_NoCorrectSample_IsZero() => Assert.Equal(0.0, PassAtK.Estimate(16, 0, 4));

    [Fact]
    public void Estimate_AllCorrect_IsOne() => Assert.Equal(1.0, PassAtK.Estimate(16, 16, 1));

    [Fact]
    public void Estimate_FewerWrongThanK_IsExactlyOne() => Assert.Equal(1.0, PassAtK.Estimate(10, 8, 3));

    [Fact]
    public void Estimate_LargeN_StaysFiniteAndMatchesExactBinomials()
    {
        // C(n-c,k)/C(n,k) with n = 2000 overflows doubles as plain binomials; the product form does not.
        double p = PassAtK.Estimate(2000, 3, 128);
        double exact = 1.0 - ExactRatio(2000, 3, 128);
        Assert.Equal(exact, p, 12);
    }

    [Fact]
    public void Estimate_IsMonotoneInKAndC()
    {
        for (int c = 0; c <= 20; c++)
            for (int k = 1; k < 20; k++)
            {
                Assert.True(PassAtK.Estimate(20, c, k + 1) >= PassAtK.Estimate(20, c, k) - 1e-15);
                if (c < 20) Assert.True(PassAtK.Estimate(20, c + 1, k) >= PassAtK.Estimate(20, c, k) - 1e-15);
            }
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(5, 6, 1)]
    [InlineData(5, -1, 1)]
    [InlineData(5, 2, 0)]
    [InlineData(5, 2, 6)]
    public void Estimate_InvalidArguments_Throw(int n, int c, int k) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(n, c, k));

    [Fact]
    public void Mean_AveragesProblems() =>
        Assert.Equal((0.3 + 1.0) / 2, PassAtK.Mean([(10, 3), (4, 4)], 1), 12);

    // C(n-c,k)/C(n,k) with BigInteger arithmetic: an independent reference.
    private static double ExactRatio(int n, int c, int k)
    {
        var num = Binomial(n - c, k);
        var den = Binomial(n, k);
        return Math.Exp(System.Numerics.BigInteger.Log(num) - System.Numerics.BigInteger.Log(den));
    }

    private static System.Numerics.BigInteger Binomial(int n, int k)
    {
        System.Numerics.BigInteger r = 1;
        for (int i = 1; i <= k; i++) r = r * (n - k + i) / i;
        return r;
    }
}
