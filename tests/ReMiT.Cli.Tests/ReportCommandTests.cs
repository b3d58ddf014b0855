using ReMiT.Training.Reporting;

namespace ReMiT.Cli.Tests;

public sealed class ReportCommandTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Report_RunWithRecordsAndStaleRows_RecomputesRowsFromTheRecords()
    {
        string run = _h.PathOf("run");
        EvalRecord[] records =
        [
            new() { ProblemId = "a", Task = "gsm", Op = 2, Split = "id", EvalSplit = "dev", Mode = "forward", Template = "zoo",
                    GreedyAnswer = true, GreedyStrict = false, NSamples = 2, NAnswer = 1, NStrict = 0, GreedySteps = 3, GoldSteps = 2 },
            new() { ProblemId = "b", Task = "gsm", Op = 2, Split = "id", EvalSplit = "dev", Mode = "forward", Template = "zoo",
                    NSamples = 2, GreedySteps = 2, GoldSteps = 2 },
        ];
        EvalRecordsFile.Write(EvalRecordsFile.PathFor(run, "base"), records);
        // A stale row that the records contradict.
        ResultsFile.AddRows(run, [new ResultRow("base", "gsm", "id", 1, 0.9, 2)]);

        var (exit, output, err) = _h.Run("report", run);

        Assert.True(exit == 0, err + output);
        var file = ResultsFile.Read(ResultsFile.PathFor(run));
        Assert.Equal(EvalRows.From("base", records), file.Rows);
        Assert.Equal(0.5, file.Rows.Single(r => r.Split == "id" && r.Metric == EvalMetrics.GreedyAnswer).PassAtK);
        Assert.Equal("dev", file.EvalSplit);
        string md = File.ReadAllText(Path.Combine(run, RunReport.ReportFileName));
        Assert.Contains("Eval set: **dev** (the tuning set", md);
        Assert.Contains("| base | +0.50 |", md);
    }
}
