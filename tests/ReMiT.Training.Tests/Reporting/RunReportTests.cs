using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

public sealed class RunReportTests
{
    [Fact]
    public void Build_FullRun_WritesTablesAndEmbedsEveryPlot()
    {
        using var dir = new TempDir();
        FakeRun.WriteMetrics(dir.Path);
        FakeRun.WriteStages(dir.Path);
        FakeRun.WriteResults(dir.Path);
        var warnings = new List<string>();

        string path = RunReport.Build(dir.Path, warnings.Add);

        Assert.Empty(warnings);
        string md = File.ReadAllText(path);
        // The build this test runs in is compiled from a git checkout, so the SDK stamped its commit in.
        Assert.Matches(@"- remit that built this report: commit `[0-9a-f]{40}`", md);
        Assert.Contains("| stage | kind | model | steps | tokens | seconds | final loss | extra |", md);
        Assert.Contains("| midtrain:remit | midtrain | models/remit | 50 | 1,638,400 | 540.0 | 1.3500 |", md);
        Assert.Contains("| model | gsm/id (n=64) | gsm/edge (n=64) | gsm/hard (n=64) | gsm/op2 (n=64)", md);
        Assert.Contains("| remit+rl |", md);
        Assert.Contains("| guess baseline (most common answer) | 0.050 |", md);
        Assert.Contains("sampled_answer pass@k — gsm/edge (n=64)", md);
        // midtrain:uniform and rl:base logged metrics but wrote no summary.
        Assert.Contains("**midtrain:uniform**: metrics up to step 49", md);

        string[] expected =
        [
            "loss_pretrain.png", "loss_midtrain.png", "reward_rl.png", "weights_midtrain_remit.png", "pass1_bars.png",
            "passk_gsm_id.png", "passk_gsm_edge.png", "passk_gsm_hard.png", "ops_gsm.png",
        ];
        foreach (string file in expected)
        {
            Assert.Contains($"](plots/{file})", md);
            PngAssert.IsChart(Path.Combine(dir.Path, "plots", file));
        }
        Assert.Equal(expected.Order(), Directory.GetFiles(Path.Combine(dir.Path, "plots")).Select(Path.GetFileName).Order());
    }

    [Theory]
    [InlineData("duplicate_results_dropped")]
    [InlineData("experiences_duplicated")] // results.json of runs before the rename
    public void Build_ClusterSection_ListsMembersAndCounts(string droppedKey)
    {
        using var dir = new TempDir();
        FakeRun.WriteResults(dir.Path);
        string results = ResultsFile.PathFor(dir.Path);
        var cluster = System.Text.Json.Nodes.JsonNode.Parse("""
            { "members": [ { "role": "coordinator", "address": "akka.tcp://remit@10.0.0.1:4053", "pid": 11 },
                           { "role": "learner", "address": "akka.tcp://remit@10.0.0.2:4053", "pid": 12 } ],
              "learner_ranks": 1, "metrics_seen": ["remit_train_loss", "remit_rl_reward"],
              "experiences_lost": 0, "DROPPED": 2 }
            """.Replace("DROPPED", droppedKey));
        (ResultsFile.Read(results) with { Cluster = cluster }).Write(results);

        string md = File.ReadAllText(RunReport.Build(dir.Path, _ => { }));

        Assert.Contains("## Cluster", md);
        Assert.Contains("| learner | akka.tcp://remit@10.0.0.2:4053 | 12 |", md);
        Assert.Contains("Learner ranks: 1; experiences lost: 0; duplicate results dropped (never trained on): 2; metric families served: 2.", md);
    }

    [Fact]
    public void Build_CrashedAfterPretrainWithTruncatedLine_ReportsLossAndWarning()
    {
        using var dir = new TempDir();
        FakeRun.WriteMetrics(dir.Path, withMidtrainAndRl: false);
        File.AppendAllText(Path.Combine(dir.Path, MetricsLog.FileName), "{\"stage\":\"pretrain\",\"st");
        var warnings = new List<string>();

        string md = File.ReadAllText(RunReport.Build(dir.Path, warnings.Add));

        Assert.Contains("metrics.jsonl:301:", Assert.Single(warnings));
        Assert.Contains("No stage summaries", md);
        Assert.Contains("No results", md);
        Assert.Contains("**pretrain**: metrics up to step 299", md);
        Assert.Contains("](plots/loss_pretrain.png)", md);
        Assert.Contains("## Warnings", md);
        Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "plots")));
    }

    [Fact]
    public void Build_EmptyRunFolder_WritesHeaderOnly()
    {
        using var dir = new TempDir();

        string md = File.ReadAllText(RunReport.Build(dir.Path, _ => { }));

        Assert.Contains("# Run report:", md);
        Assert.Contains("- machine: ", md);
        Assert.DoesNotContain("## Plots", md);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "plots")));
    }

    [Fact]
    public void Build_MissingFolder_ThrowsNamingIt()
    {
        string missing = Path.Combine(Path.GetTempPath(), "no-run-" + Guid.NewGuid().ToString("N"));

        var e = Assert.Throws<DirectoryNotFoundException>(() => RunReport.Build(missing));

        Assert.Contains(missing, e.Message);
    }

    [Fact]
    public void FormatResultsTable_Rows_PivotsModelsBySplitWithBaseline()
    {
        ResultRow[] rows =
        [
            new("base", "gsm", "edge", 1, 0.2, 50, 0.1),
            new("base", "gsm", "id", 1, 0.5, 50, 0.1),
            new("remit", "gsm", "id", 1, 0.625, 50),
            new("remit", "gsm", "id", 8, 0.9, 50),
            new("remit", "kk", "people4", 1, 0.3, 20),
        ];

        string table = RunReport.FormatResultsTable(rows);

        string[] lines = table.TrimEnd('\n').Split('\n');
        Assert.Equal("greedy pass@1 (answer)", lines[0]);
        Assert.Equal(["model", "gsm/id", "(n=50)", "gsm/edge", "(n=50)", "kk/people4", "(n=20)"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["base", "0.500", "0.200", "–"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["remit", "0.625", "–", "0.300"], lines[4].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("guess baseline (most common answer)", lines[5]);
        Assert.Equal(lines[1].Length, lines[3].Length);
    }

    [Fact]
    public void FormatResultsTable_NoRows_SaysSo()
    {
        Assert.Equal("no pass@1 results\n", RunReport.FormatResultsTable([]));
    }
}
