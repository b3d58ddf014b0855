using ReMiT.Training.Experiments;
using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Experiments;

public sealed class MetricValuesTests
{
    private static readonly EvalRecord[] Records =
    [
        Record("a", "id", true, false, 4, 2, 1),
        Record("b", "edge", false, false, 4, 0, 0),
        Record("c", "id", true, true, 4, 4, 4),
    ];

    private static EvalRecord Record(string id, string split, bool greedyAnswer, bool greedyStrict, int samples, int answer, int strict) =>
        new()
        {
            ProblemId = id, Task = "gsm", Op = 3, Split = split, EvalSplit = "test", GreedyAnswer = greedyAnswer, GreedyStrict = greedyStrict,
            NSamples = samples, NAnswer = answer, NStrict = strict,
        };

    [Fact]
    public void Of_GreedyStrictOnId_ZeroOnePerProblemOfThatSplit()
    {
        var values = MetricValues.Of(Records, EvalMetric.GreedyStrict, "id", 1, "f");

        Assert.Equal(new Dictionary<string, double> { ["a"] = 0, ["c"] = 1 }, values);
    }

    [Fact]
    public void Of_SampledAnswerAtTwo_IsUnbiasedPassAtK()
    {
        // a: n = 4, c = 2, k = 2: 1 − C(2,2)/C(4,2) = 1 − 1/6; b: no correct sample; c: all correct.
        var values = MetricValues.Of(Records, EvalMetric.SampledAnswer, "all", 2, "f");

        Assert.Equal(5.0 / 6, values["a"], 12);
        Assert.Equal(0, values["b"]);
        Assert.Equal(1, values["c"]);
    }

    [Fact]
    public void Of_SampledStrictAtOne_IsStrictShare()
    {
        var values = MetricValues.Of(Records, EvalMetric.SampledStrict, "id", 1, "f");

        Assert.Equal(0.25, values["a"], 12);
    }

    [Fact]
    public void Of_KAboveSamples_ThrowsNamingFile()
    {
        var e = Assert.Throws<InvalidDataException>(() => MetricValues.Of(Records, EvalMetric.SampledAnswer, "id", 8, "run/eval/remit.jsonl"));

        Assert.Contains("run/eval/remit.jsonl", e.Message);
        Assert.Contains("n_samples=4", e.Message);
    }

    [Fact]
    public void Of_GreedyAtKAboveOne_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => MetricValues.Of(Records, EvalMetric.GreedyAnswer, "id", 4, "f"));

    [Fact]
    public void Of_UnknownSplit_ThrowsListingSplits()
    {
        var e = Assert.Throws<ArgumentException>(() => MetricValues.Of(Records, EvalMetric.GreedyAnswer, "ood", 1, "f"));

        Assert.Contains("id, edge, hard, all", e.Message);
    }
}
