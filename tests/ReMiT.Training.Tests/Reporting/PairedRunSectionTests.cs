using ReMiT.Training.Reporting;
using ReMiT.Training.Tests.Experiments;

namespace ReMiT.Training.Tests.Reporting;

public sealed class PairedRunSectionTests
{
    [Fact]
    public void Build_RemitUniformAndBaseEvalFiles_ReportsPairedDifferencesWhateverTheSign()
    {
        using var dir = new TempDir();
        FakeRun.WriteStages(dir.Path);
        string eval = Path.Combine(dir.Path, "eval");
        // ID: remit solves 1 of 4 fewer than uniform (a negative difference must still be shown).
        EvalFiles.Write(Path.Combine(eval, "remit.jsonl"), "id", EvalFiles.Pattern("1100"));
        EvalFiles.Write(Path.Combine(eval, "uniform.jsonl"), "id", EvalFiles.Pattern("1110"));
        EvalFiles.Write(Path.Combine(eval, "base.jsonl"), "id", EvalFiles.Pattern("1111"));
        EvalFiles.Write(Path.Combine(eval, "remit.jsonl"), "edge", EvalFiles.Pattern("10"), firstId: 10);
        EvalFiles.Write(Path.Combine(eval, "uniform.jsonl"), "edge", EvalFiles.Pattern("10"), firstId: 10);
        EvalFiles.Write(Path.Combine(eval, "base.jsonl"), "edge", EvalFiles.Pattern("00"), firstId: 10);
        var warnings = new List<string>();

        string md = File.ReadAllText(RunReport.Build(dir.Path, warnings.Add));

        Assert.Contains("## ReMiT − uniform (paired)", md);
        Assert.Contains("| remit − uniform | greedy_strict/id | −0.250 |", md);
        Assert.Contains("| remit − uniform | greedy_answer/edge | 0.000 | [0.000, 0.000] | 1.0000 |", md);
        Assert.DoesNotContain("greedy_strict/hard", md); // not evaluated: no row
        Assert.Contains("### Mid-training vs the pre-decay base (ID, paired)", md);
        Assert.Contains("| uniform − base | greedy_strict/id | −0.250 |", md);
        Assert.Contains("| remit − base | greedy_answer/id | −0.500 |", md);
        Assert.Contains("4 paired problems from one seed", md);
        PngAssert.IsChart(Path.Combine(dir.Path, "plots", "paired_differences.png"), width: 1040);
        Assert.DoesNotContain(warnings, w => w.Contains("paired"));
    }

    [Fact]
    public void Build_UnpairedEvalFiles_WarnsAndKeepsReport()
    {
        using var dir = new TempDir();
        string eval = Path.Combine(dir.Path, "eval");
        EvalFiles.Write(Path.Combine(eval, "remit.jsonl"), "id", EvalFiles.Pattern("11"));
        EvalFiles.Write(Path.Combine(eval, "uniform.jsonl"), "id", EvalFiles.Pattern("11"), firstId: 5);
        var warnings = new List<string>();

        string md = File.ReadAllText(RunReport.Build(dir.Path, warnings.Add));

        Assert.DoesNotContain("## ReMiT − uniform (paired)", md);
        Assert.Contains(warnings, w => w.Contains("do not cover the same problems"));
    }

    [Fact]
    public void Build_NoEvalFiles_NoPairedSection()
    {
        using var dir = new TempDir();
        FakeRun.WriteStages(dir.Path);

        string md = File.ReadAllText(RunReport.Build(dir.Path, _ => { }));

        Assert.DoesNotContain("(paired)", md);
    }
}
