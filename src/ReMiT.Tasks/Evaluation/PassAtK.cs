namespace ReMiT.Tasks.Evaluation;

/// <summary>
/// The unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large Language Models Trained on
/// Code"): given n samples of which c are correct, pass@k = 1 − C(n−c, k) / C(n, k).
/// </summary>
public static class PassAtK
{
    /// <summary>
    /// Estimates pass@k for one problem. Uses the product form
    /// C(n−c, k)/C(n, k) = ∏_{i=n−c+1}^{n} (1 − k/i), which never forms a binomial coefficient and
    /// so neither overflows nor loses precision for n in the thousands.
    /// </summary>
    public static double Estimate(int n, int c, int k)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "pass@k needs at least one sample (n >= 1).");
        if (c < 0 || c > n) throw new ArgumentOutOfRangeException(nameof(c), c, $"correct count must be in [0, n={n}].");
        if (k < 1 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [1, n={n}]; draw at least k samples per problem.");
        if (n - c < k) return 1.0; // every size-k subset contains a correct sample
        double allWrong = 1.0;
        for (int i = n - c + 1; i <= n; i++)
            allWrong *= 1.0 - (double)k / i;
        return 1.0 - allWrong;
    }

    /// <summary>Mean pass@k over problems, each given as (samples, correct).</summary>
    public static double Mean(IEnumerable<(int N, int Correct)> problems, int k)
    {
        ArgumentNullException.ThrowIfNull(problems);
        double sum = 0;
        int count = 0;
        foreach (var (n, c) in problems)
        {
            sum += Estimate(n, c, k);
            count++;
        }
        if (count == 0) throw new ArgumentException("pass@k over an empty set of problems is undefined.", nameof(problems));
        return sum / count;
    }
}
