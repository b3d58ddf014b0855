using ReMiT.Training.Reporting;
using static ReMiT.Training.Tests.Evaluation.EvalRecordsTests;

namespace ReMiT.Training.Tests.Evaluation;

public sealed class EvalRowsTests
{
    [Fact]
    public void Ks_Samples_PowersOfTwoUpToN()
    {
        Assert.Equal([1], EvalRows.Ks(1));
        Assert.Equal([1, 2, 4], EvalRows.Ks(4));
        Assert.Equal([1, 2, 4], EvalRows.Ks(7));
        Assert.Equal([1, 2, 4, 8, 16], EvalRows.Ks(16));
    }

    [Fact]
    public void From_HandMadeRecords_HandComputedRowsPerOpAndSplit()
    {
        // n = 4 samples. op2 (id): two problems; op4 (edge): one.
        EvalRecord[] records =
        [
            Gsm("a", 2, "id", greedy: true, strict: true, nAnswer: 1, nStrict: 1, baseline: true),
            Gsm("b", 2, "id", greedy: true, strict: false, nAnswer: 2, nStrict: 0),
            Gsm("c", 4, "edge", greedy: false, strict: false, nAnswer: 4, nStrict: 2),
        ];

        var rows = EvalRows.From("remit", records);

        double Value(string split, string metric, int k) => rows.Single(r => r.Split == split && r.Metric == metric && r.K == k).PassAtK;
        // Greedy: op2 answer 2/2, strict 1/2.
        Assert.Equal(1.0, Value("op2", EvalMetrics.GreedyAnswer, 1));
        Assert.Equal(0.5, Value("op2", EvalMetrics.GreedyStrict, 1));
        // Sampled pass@1 = mean c/n: op2 answer (1/4 + 2/4)/2 = 0.375.
        Assert.Equal(0.375, Value("op2", EvalMetrics.SampledAnswer, 1), 12);
        // pass@2 = 1 − C(n−c,2)/C(4,2): c=1 → 1 − 3/6 = 0.5; c=2 → 1 − 1/6 = 5/6; mean 2/3.
        Assert.Equal(2.0 / 3.0, Value("op2", EvalMetrics.SampledAnswer, 2), 12);
        // strict pass@4: c=1 → 1, c=0 → 0.
        Assert.Equal(0.5, Value("op2", EvalMetrics.SampledStrict, 4), 12);
        // op4 strict pass@2: c=2 → 5/6.
        Assert.Equal(5.0 / 6.0, Value("edge", EvalMetrics.SampledStrict, 2), 12);
        // Splits are means over their problems; the baseline is the guess's accuracy on the same problems.
        Assert.Equal(1.0, Value("id", EvalMetrics.GreedyAnswer, 1));
        Assert.All(rows.Where(r => r.Split is "op2" or "id"), r => Assert.Equal(0.5, r.Baseline));
        Assert.All(rows.Where(r => r.Split is "op4" or "edge"), r => Assert.Equal(0.0, r.Baseline));
        Assert.All(rows.Where(r => r.Split is "op2" or "id"), r => Assert.Equal(2, r.N));
        // Per group: 2 greedy rows + 3 k values × 2 sampled metrics; groups op2, op4, id, edge.
        Assert.Equal(4 * (2 + 3 * 2), rows.Count);
        Assert.DoesNotContain(rows, r => r.Metric.StartsWith("greedy", StringComparison.Ordinal) && r.K != 1);
        Assert.Equal(rows.Count, rows.Select(r => r.Key).Distinct().Count());
    }

    [Fact]
    public void From_MixedSampleCounts_Throws()
    {
        var e = Assert.Throws<InvalidDataException>(() => EvalRows.From("base", [Gsm("a", 2, "id", true, true, 1, 1), Gsm("b", 2, "id", true, true, 1, 1) with { NSamples = 8 }]));
        Assert.Contains("n_samples", e.Message);
    }

    [Fact]
    public void Merge_SameKeyDifferentMetric_BothKept()
    {
        var file = ResultsFile.Empty.Merge([new ResultRow("base", "gsm", "id", 1, 0.5, 10), new ResultRow("base", "gsm", "id", 1, 0.25, 10, Metric: EvalMetrics.GreedyStrict)]);
        Assert.Equal(2, file.Rows.Count);
        Assert.Throws<ArgumentException>(() => ResultsFile.Empty.Merge([new ResultRow("base", "gsm", "id", 1, 0.5, 10, Metric: "pass")]));
    }
}
