using ReMiT.Training.Experiments;
using ReMiT.Training.Tests.Reporting;

namespace ReMiT.Training.Tests.Experiments;

public sealed class ProblemRecordFileTests
{
    [Fact]
    public void Read_LinesWithExtraFields_KeepsWhatStatisticsNeed()
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "m.jsonl");
        File.WriteAllText(path, """
            {"problem_id":"a1","task":"gsm","op":2,"split":"id","mode":"forward","template":"t0","greedy_answer":true,"greedy_strict":false,"n_samples":8,"n_answer":5,"n_strict":3,"future":[1,2]}

            {"problem_id":"b2","task":"kk","people":4,"split":"hard","greedy_answer":false,"greedy_strict":false}
            """);

        var records = ProblemRecordFile.Read(path);

        Assert.Equal(new ProblemRecord("a1", "gsm", "id", true, false, 8, 5, 3), records[0]);
        Assert.Equal(new ProblemRecord("b2", "kk", "hard", false, false, 0, 0, 0), records[1]);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"split":"id","greedy_answer":true,"greedy_strict":true}""", "'problem_id' is missing")]
    [InlineData("""{"problem_id":"x","split":"id","greedy_answer":1,"greedy_strict":true}""", "'greedy_answer' must be true or false")]
    [InlineData("""{"problem_id":"x","split":"id","greedy_answer":true,"greedy_strict":true,"n_samples":2,"n_answer":3}""", "n_strict <= n_answer <= n_samples")]
    [InlineData("""{"problem_id":"p0","split":"id","greedy_answer":true,"greedy_strict":true}""", "already appeared on line 1")]
    public void Read_BadSecondLine_ThrowsNamingFileAndLine(string second, string expected)
    {
        using var dir = new TempDir();
        string path = Path.Combine(dir.Path, "m.jsonl");
        File.WriteAllText(path, """{"problem_id":"p0","split":"id","greedy_answer":true,"greedy_strict":true}""" + "\n" + second + "\n");

        var e = Assert.Throws<InvalidDataException>(() => ProblemRecordFile.Read(path));

        Assert.Contains($"{path}:2", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Read_MissingFile_SaysWhichAndWhatToRun()
    {
        var e = Assert.Throws<FileNotFoundException>(() => ProblemRecordFile.Read("/nonexistent/eval/remit.jsonl"));

        Assert.Contains("/nonexistent/eval/remit.jsonl", e.Message);
    }
}
