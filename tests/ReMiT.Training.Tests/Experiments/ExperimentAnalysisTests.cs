using System.Text.Json;
using ReMiT.Training.Experiments;
using ReMiT.Training.Tests.Reporting;

namespace ReMiT.Training.Tests.Experiments;

public sealed class ExperimentAnalysisTests
{
    // Seed 1: remit wins 2 of 4 problems more than uniform; seed 2: the arms tie on every problem.
    private static (TempDir Dir, ArmRuns[] Arms) TwoArmsTwoSeeds()
    {
        var dir = new TempDir();
        EvalFiles.Write(Path.Combine(dir.Path, "s1/remit.jsonl"), "edge", EvalFiles.Pattern("1110"));
        EvalFiles.Write(Path.Combine(dir.Path, "s1/uniform.jsonl"), "edge", EvalFiles.Pattern("1000"));
        EvalFiles.Write(Path.Combine(dir.Path, "s2/remit.jsonl"), "edge", EvalFiles.Pattern("0110"));
        EvalFiles.Write(Path.Combine(dir.Path, "s2/uniform.jsonl"), "edge", EvalFiles.Pattern("0110"));
        ArmRuns[] arms =
        [
            new("remit", [new SeedRun(1, "s1/remit.jsonl"), new SeedRun(2, "s2/remit.jsonl")]),
            new("uniform", [new SeedRun(1, "s1/uniform.jsonl"), new SeedRun(2, "s2/uniform.jsonl")]),
        ];
        return (dir, arms);
    }

    [Fact]
    public void Run_TwoSeeds_DiffIsMeanOfSeedMeansAndFilesWritten()
    {
        var (dir, arms) = TwoArmsTwoSeeds();
        using var _ = dir;
        var log = new StringWriter();

        var file = ExperimentAnalysis.Run(dir.Path, arms,
            [
                new ComparisonRequest("remit", "uniform", EvalMetric.GreedyStrict, "edge", Primary: true),
                new ComparisonRequest("remit", "uniform", EvalMetric.SampledAnswer, "all", K: 2),
            ], log);

        var primary = file.Comparisons[0];
        Assert.Equal((0.5 + 0) / 2, primary.Diff, 12);
        Assert.Equal(4, primary.NProblems);
        Assert.Equal(2, primary.NSeeds);
        Assert.True(primary.CiLow <= primary.Diff && primary.Diff <= primary.CiHigh);
        // Identical sample counts in every file: the sampled comparison is an exact tie.
        var tie = file.Comparisons[1];
        Assert.Equal((0.0, 0.0, 0.0, 1.0, 1.0), (tie.Diff, tie.CiLow, tie.CiHigh, tie.PValue, tie.PHolm));
        Assert.True(File.Exists(Path.Combine(dir.Path, "report.md")));
        PngAssert.IsChart(Path.Combine(dir.Path, "plots", "differences.png"), width: 800);
        PngAssert.IsChart(Path.Combine(dir.Path, "plots", "means_greedy_strict.png"));
        PngAssert.IsChart(Path.Combine(dir.Path, "plots", "means_sampled_answer_2.png"));
        Assert.Contains("primary remit − uniform greedy_strict/edge", log.ToString());
    }

    [Fact]
    public void Run_SeedReusedStages_ReportSaysWhichAndFromWhere()
    {
        var (dir, arms) = TwoArmsTwoSeeds();
        using var _ = dir;
        Directory.CreateDirectory(Path.Combine(dir.Path, "seed-2"));
        File.WriteAllText(Path.Combine(dir.Path, "seed-2", StageReuse.RecordFile), """{ "source": "/x/other/seed-2", "stages": ["pretrain"] }""");

        ExperimentAnalysis.Run(dir.Path, arms, [new ComparisonRequest("remit", "uniform", EvalMetric.GreedyAnswer, "edge", Primary: true)], TextWriter.Null);

        Assert.Contains("- seed-2: pretrain copied from `/x/other/seed-2`", File.ReadAllText(Path.Combine(dir.Path, "report.md")));
    }

    [Fact]
    public void Run_ExperimentJson_HasExactlyTheContractFields()
    {
        var (dir, arms) = TwoArmsTwoSeeds();
        using var _ = dir;

        ExperimentAnalysis.Run(dir.Path, arms, [new ComparisonRequest("remit", "uniform", EvalMetric.GreedyAnswer, "edge", Primary: true)], TextWriter.Null);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir.Path, "experiment.json")));
        var root = json.RootElement;
        Assert.Equal(["arms", "comparisons"], root.EnumerateObject().Select(p => p.Name));
        var arm = root.GetProperty("arms")[0];
        Assert.Equal(["name", "seeds"], arm.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["seed", "eval"], arm.GetProperty("seeds")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("s1/remit.jsonl", arm.GetProperty("seeds")[0].GetProperty("eval").GetString());
        var c = root.GetProperty("comparisons")[0];
        Assert.Equal(["a", "b", "metric", "split", "k", "diff", "ci_low", "ci_high", "p_value", "p_holm", "n_problems", "n_seeds", "primary"],
            c.EnumerateObject().Select(p => p.Name));
        Assert.Equal("greedy_answer", c.GetProperty("metric").GetString());
        Assert.True(c.GetProperty("primary").GetBoolean());
    }

    [Fact]
    public void Run_Report_PutsPrimaryFirstAndStatesDetectableEffect()
    {
        var (dir, arms) = TwoArmsTwoSeeds();
        using var _ = dir;

        ExperimentAnalysis.Run(dir.Path, arms,
            [
                new ComparisonRequest("uniform", "remit", EvalMetric.GreedyAnswer, "edge"),
                new ComparisonRequest("remit", "uniform", EvalMetric.GreedyStrict, "edge", Primary: true),
            ], TextWriter.Null);

        string md = File.ReadAllText(Path.Combine(dir.Path, "report.md"));
        int primary = md.IndexOf("| **primary** | remit − uniform | greedy_strict/edge |", StringComparison.Ordinal);
        int other = md.IndexOf("|  | uniform − remit | greedy_answer/edge |", StringComparison.Ordinal);
        Assert.True(primary > 0 && other > primary, md);
        // 8 pairs, 2 discordant: 2.80 · sqrt(0.25 / 8) = 0.495.
        Assert.Contains("8 paired problems over 2 seeds and a disagreement rate of 0.250", md);
        Assert.Contains("is about ±0.495", md);
        Assert.Contains("![Paired differences (95% CI)](plots/differences.png)", md);
    }

    [Fact]
    public void Rerun_FromExperimentJson_SameComparisons()
    {
        var (dir, arms) = TwoArmsTwoSeeds();
        using var _ = dir;
        var first = ExperimentAnalysis.Run(dir.Path, arms,
            [
                new ComparisonRequest("remit", "uniform", EvalMetric.GreedyStrict, "edge", Primary: true),
                new ComparisonRequest("remit", "uniform", EvalMetric.SampledStrict, "edge", K: 4),
            ], TextWriter.Null);
        File.Delete(Path.Combine(dir.Path, "report.md"));

        var again = ExperimentAnalysis.Rerun(dir.Path, TextWriter.Null);

        Assert.Equal(first.Comparisons, again.Comparisons);
        Assert.Equal(first.Arms.Select(a => (a.Name, string.Join(",", a.Seeds))), again.Arms.Select(a => (a.Name, string.Join(",", a.Seeds))));
        Assert.True(File.Exists(Path.Combine(dir.Path, "report.md")));
    }

    [Fact]
    public void Rerun_NoExperimentJson_SaysToRunFirst()
    {
        using var dir = new TempDir();

        var e = Assert.Throws<FileNotFoundException>(() => ExperimentAnalysis.Rerun(dir.Path, TextWriter.Null));

        Assert.Contains("remit experiment run", e.Message);
    }

    [Fact]
    public void Run_ProblemMissingOnOneSide_ThrowsNamingFilesAndProblem()
    {
        var (dir, arms) = TwoArmsTwoSeeds();
        using var _ = dir;
        EvalFiles.Write(Path.Combine(dir.Path, "s2/remit.jsonl"), "edge", [true], firstId: 99);

        var e = Assert.Throws<InvalidDataException>(() => ExperimentAnalysis.Run(dir.Path, arms,
            [new ComparisonRequest("remit", "uniform", EvalMetric.GreedyStrict, "edge", Primary: true)], TextWriter.Null));

        Assert.Contains("seed 2", e.Message);
        Assert.Contains("p99", e.Message);
        Assert.Contains("s2/remit.jsonl", e.Message);
    }

    [Fact]
    public void Run_SeedInOneArmOnly_LeftOutAndLogged()
    {
        var (dir, arms) = TwoArmsTwoSeeds();
        using var _ = dir;
        EvalFiles.Write(Path.Combine(dir.Path, "s3/remit.jsonl"), "edge", EvalFiles.Pattern("0000"));
        arms[0] = arms[0] with { Seeds = [.. arms[0].Seeds, new SeedRun(3, "s3/remit.jsonl")] };
        var log = new StringWriter();

        var file = ExperimentAnalysis.Run(dir.Path, arms, [new ComparisonRequest("remit", "uniform", EvalMetric.GreedyStrict, "edge", Primary: true)], log);

        Assert.Equal(2, file.Comparisons[0].NSeeds);
        Assert.Contains("seeds 3 ran in one arm only", log.ToString());
    }

    [Fact]
    public void Run_TwoPrimariesAndUnknownArm_ListsEveryProblem()
    {
        var (dir, arms) = TwoArmsTwoSeeds();
        using var _ = dir;

        var e = Assert.Throws<ArgumentException>(() => ExperimentAnalysis.Run(dir.Path, arms,
            [
                new ComparisonRequest("remit", "uniform", EvalMetric.GreedyStrict, "edge", Primary: true),
                new ComparisonRequest("rho1", "uniform", EvalMetric.GreedyStrict, "edge", Primary: true),
            ], TextWriter.Null));

        Assert.Contains("exactly one comparison must be primary, found 2", e.Message);
        Assert.Contains("arm 'rho1' is not declared", e.Message);
    }
}
