using System.Text.Json.Nodes;

namespace ReMiT.Cli.Tests;

public sealed class DemoCommandTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Demo_SmallRun_WritesDataReportAndSeparatesGoldFromBroken()
    {
        string dir = _h.PathOf("demo");
        var (exit, output, err) = _h.Run("demo", "--out", dir, "--per-split", "6", "--kk", "6", "--seed", "2");
        Assert.True(exit == 0, err);
        Assert.Contains("demo: wrote", output);
        foreach (string f in new[] { "gsm_id.jsonl", "gsm_edge.jsonl", "gsm_hard.jsonl", "kk.jsonl", "tokenizer/tokenizer.json", "report.md" })
            Assert.True(File.Exists(Path.Combine(dir, f)), f);

        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!;
        foreach (var split in summary["gsm"]!.AsArray())
        {
            Assert.Equal(1.0, split!["gold"]!["combined"]!.GetValue<double>());
            Assert.Equal(0.0, split["wrong_answer"]!["combined"]!.GetValue<double>());
            Assert.True(split["missing_step"]!["process"]!.GetValue<double>() < 1.0);
        }
        var verdicts = summary["kk"]!["verdicts"]!.AsArray();
        Assert.Equal(6, verdicts[0]!["correct"]!.GetValue<int>());
        Assert.All(verdicts.Skip(1), v => Assert.Equal(0, v!["correct"]!.GetValue<int>()));
        Assert.Equal(summary["tokenizer"]!["texts"]!.GetValue<int>(), summary["tokenizer"]!["round_trip_exact"]!.GetValue<int>());
    }
}
