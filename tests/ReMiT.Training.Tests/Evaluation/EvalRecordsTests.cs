using System.Text.Json.Nodes;
using ReMiT.Training.Reporting;
using ReMiT.Training.Tests.Reporting;

namespace ReMiT.Training.Tests.Evaluation;

public sealed class EvalRecordsTests
{
    internal static EvalRecord Gsm(string id, int op, string split, bool greedy, bool strict, int nAnswer, int nStrict,
                                   bool baseline = false, int greedySteps = 3, int goldSteps = 3) => new()
    {
        ProblemId = id, Task = "gsm", Op = op, Split = split, EvalSplit = "test", Mode = "forward", Template = "zoo",
        GreedyAnswer = greedy, GreedyStrict = strict, NSamples = 4, NAnswer = nAnswer, NStrict = nStrict,
        GreedySteps = greedySteps, GoldSteps = goldSteps, GoldAnswer = "6", BaselineAnswer = baseline ? "6" : "2", BaselineCorrect = baseline,
    };

    [Fact]
    public void Write_ThenRead_SameRecordsAndBriefFieldNames()
    {
        using var dir = new TempDir();
        string path = EvalRecordsFile.PathFor(dir.Path, "remit+rl");
        EvalRecord[] records =
        [
            Gsm("00112233aabbccdd", 3, "id", greedy: true, strict: false, nAnswer: 2, nStrict: 1),
            new() { ProblemId = "ffeeddccbbaa9988", Task = "kk", People = 4, Split = "edge", EvalSplit = "test",
                    GreedyAnswer = true, GreedyStrict = true, NSamples = 4, NAnswer = 3, NStrict = 3, GoldAnswer = "(1) A is a knight" },
        ];

        EvalRecordsFile.Write(path, records);

        Assert.Equal(Path.Combine(dir.Path, "eval", "remit+rl.jsonl"), path);
        Assert.Equal(records, EvalRecordsFile.Read(path));
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        var gsm = JsonNode.Parse(lines[0])!.AsObject();
        foreach (string key in new[] { "problem_id", "task", "op", "split", "eval_split", "mode", "template", "greedy_answer", "greedy_strict",
                                       "n_samples", "n_answer", "n_strict", "greedy_steps", "gold_steps", "baseline_correct" })
            Assert.True(gsm.ContainsKey(key), key);
        Assert.Equal(3, gsm["op"]!.GetValue<int>());
        Assert.Equal(2, gsm["n_answer"]!.GetValue<int>());
        var kk = JsonNode.Parse(lines[1])!.AsObject();
        Assert.Equal(4, kk["people"]!.GetValue<int>());
        Assert.False(kk.ContainsKey("op"));
        Assert.False(kk.ContainsKey("greedy_steps"));
        Assert.Equal([("remit+rl", (IReadOnlyList<EvalRecord>)records)], EvalRecordsFile.ReadAll(dir.Path).Select(m => (m.Model, m.Records)).ToArray(),
                     new ModelRecordsComparer());
    }

    [Fact]
    public void Read_MalformedLine_ThrowsNamingFileAndLine()
    {
        using var dir = new TempDir();
        string path = EvalRecordsFile.PathFor(dir.Path, "base");
        EvalRecordsFile.Write(path, [Gsm("a", 2, "id", true, true, 1, 1)]);
        File.AppendAllText(path, "{\"problem_id\": \"b\", \"task\": \"gsm\", \"op\": 2, \"split\": \"id\", \"eval_split\": \"test\", \"n_samples\": 2, \"n_answer\": 3}\n");

        var e = Assert.Throws<InvalidDataException>(() => EvalRecordsFile.Read(path));
        Assert.Contains("base.jsonl:2", e.Message);
        Assert.Contains("n_answer", e.Message);
    }

    [Fact]
    public void Read_ProblemTwice_ThrowsNamingBothLines()
    {
        using var dir = new TempDir();
        string path = EvalRecordsFile.PathFor(dir.Path, "base");
        EvalRecordsFile.Write(path, [Gsm("a", 2, "id", true, true, 1, 1), Gsm("b", 2, "id", true, true, 1, 1), Gsm("a", 3, "edge", false, false, 1, 0)]);

        var e = Assert.Throws<InvalidDataException>(() => EvalRecordsFile.Read(path));
        Assert.Contains("base.jsonl:3", e.Message);
        Assert.Contains("'a' already appeared on line 1", e.Message);
    }

    [Fact]
    public void Read_UnknownFields_Ignored()
    {
        // Newer evaluators may add fields; older readers (the experiment statistics) must still pair the problems.
        using var dir = new TempDir();
        string path = EvalRecordsFile.PathFor(dir.Path, "base");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "{\"problem_id\": \"b\", \"task\": \"kk\", \"people\": 4, \"split\": \"hard\", \"eval_split\": \"test\", \"future\": [1, 2]}\n");

        var record = Assert.Single(EvalRecordsFile.Read(path));
        Assert.Equal(("b", 4, "hard"), (record.ProblemId, record.Difficulty, record.Split));
    }

    [Fact]
    public void Recompute_FromRecords_ResultsRowsEqualRowsFromRecordsAndNameEvalSplit()
    {
        using var dir = new TempDir();
        EvalRecord[] records = [Gsm("a", 2, "id", true, true, 2, 1, baseline: true), Gsm("b", 4, "edge", false, false, 0, 0)];
        EvalRecordsFile.Write(EvalRecordsFile.PathFor(dir.Path, "base"), records);

        Assert.Equal(["base"], EvalResults.Recompute(dir.Path));

        var file = ResultsFile.Read(ResultsFile.PathFor(dir.Path));
        Assert.Equal(EvalRows.From("base", records), file.Rows);
        Assert.Equal("test", file.EvalSplit);
        Assert.Contains("\"eval_split\": \"test\"", File.ReadAllText(ResultsFile.PathFor(dir.Path)));
    }

    [Fact]
    public void StepShift_Records_MeanOfGreedyMinusGoldPerModelAndOp()
    {
        var shifts = StepShift.Of(
        [
            ("base", [Gsm("a", 2, "id", true, true, 0, 0, greedySteps: 3, goldSteps: 2), Gsm("b", 2, "id", true, true, 0, 0, greedySteps: 2, goldSteps: 2),
                      Gsm("c", 3, "id", true, true, 0, 0, greedySteps: 2, goldSteps: 4)]),
            ("uniform", [Gsm("a", 2, "id", true, true, 0, 0, greedySteps: 4, goldSteps: 2)]),
        ]);

        // base op2: ((3−2) + (2−2)) / 2 = 0.5; op3: 2 − 4 = −2; uniform op2: 4 − 2 = 2.
        Assert.Equal([new StepShift("base", 2, 0.5, 2), new StepShift("base", 3, -2.0, 1), new StepShift("uniform", 2, 2.0, 1)], shifts);
    }

    [Fact]
    public void Build_RunWithRecords_ReportShowsStrictSampledAndStepShift()
    {
        using var dir = new TempDir();
        EvalRecord[] records = [Gsm("a", 2, "id", true, false, 2, 1, greedySteps: 4, goldSteps: 2), Gsm("b", 4, "edge", false, false, 0, 0)];
        EvalRecordsFile.Write(EvalRecordsFile.PathFor(dir.Path, "uniform"), records);
        EvalResults.Recompute(dir.Path);

        string md = File.ReadAllText(RunReport.Build(dir.Path, _ => { }));

        Assert.Contains("Eval set: **test**", md);
        Assert.Contains("Greedy pass@1, strict level", md);
        Assert.Contains("sampled_strict pass@k — gsm/id (n=1)", md);
        Assert.Contains("## Solution length: step-count shift", md);
        Assert.Contains("| model | op2 | op4 |", md);
        Assert.Contains("| uniform | +2.00 | 0.00 |", md);
    }

    private sealed class ModelRecordsComparer : IEqualityComparer<(string, IReadOnlyList<EvalRecord>)>
    {
        public bool Equals((string, IReadOnlyList<EvalRecord>) x, (string, IReadOnlyList<EvalRecord>) y) => x.Item1 == y.Item1 && x.Item2.SequenceEqual(y.Item2);
        public int GetHashCode((string, IReadOnlyList<EvalRecord>) obj) => obj.Item1.GetHashCode();
    }
}
