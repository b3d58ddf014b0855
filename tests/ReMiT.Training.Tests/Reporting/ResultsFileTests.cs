using ReMiT.Training.Reporting;

namespace ReMiT.Training.Tests.Reporting;

public sealed class ResultsFileTests
{
    [Fact]
    public void AddRows_SameKey_ReplacesInPlaceAndAppendsNew()
    {
        using var dir = new TempDir();
        ResultsFile.AddRows(dir.Path, [new("base", "gsm", "id", 1, 0.30, 100), new("remit", "gsm", "id", 1, 0.40, 100)]);

        var updated = ResultsFile.AddRows(dir.Path, [new("base", "gsm", "id", 1, 0.35, 200, 0.1), new("base", "gsm", "id", 8, 0.7, 200)]);

        var expected = new ResultRow[] { new("base", "gsm", "id", 1, 0.35, 200, 0.1), new("remit", "gsm", "id", 1, 0.40, 100), new("base", "gsm", "id", 8, 0.7, 200) };
        Assert.Equal(expected, updated.Rows);
        Assert.Equal(expected, ResultsFile.Read(ResultsFile.PathFor(dir.Path)).Rows);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp-*"));
    }

    [Fact]
    public void Write_UsesContractFieldNames()
    {
        using var dir = new TempDir();
        string path = ResultsFile.PathFor(dir.Path);

        ResultsFile.Empty.Merge([new("remit+rl", "kk", "people4", 1, 0.42, 100, 0.33)]).Write(path);

        string json = File.ReadAllText(path);
        foreach (string field in new[] { "\"rows\"", "\"model\": \"remit+rl\"", "\"task\": \"kk\"", "\"split\": \"people4\"", "\"k\": 1", "\"pass_at_k\": 0.42", "\"n\": 100", "\"baseline\": 0.33", "\"cluster\": null" })
            Assert.Contains(field, json);
    }

    [Fact]
    public void Read_HandWrittenFileWithoutBaselineAndWithCluster_KeepsCluster()
    {
        using var dir = new TempDir();
        string path = ResultsFile.PathFor(dir.Path);
        File.WriteAllText(path, """{"rows": [{"model": "base", "task": "gsm", "split": "op3", "k": 1, "pass_at_k": 0.5, "n": 10}], "cluster": {"learners": 2}}""");

        var file = ResultsFile.Read(path).Merge([new("remit", "gsm", "op3", 1, 0.6, 10)]);
        file.Write(path);

        Assert.Null(file.Rows[0].Baseline);
        Assert.Contains("\"learners\": 2", File.ReadAllText(path));
    }

    [Fact]
    public void Read_MissingFile_IsEmpty()
    {
        using var dir = new TempDir();

        Assert.Empty(ResultsFile.Read(ResultsFile.PathFor(dir.Path)).Rows);
    }

    [Fact]
    public void Read_Garbage_ThrowsNamingFile()
    {
        using var dir = new TempDir();
        string path = ResultsFile.PathFor(dir.Path);
        File.WriteAllText(path, "{\"rows\": [");

        var e = Assert.Throws<InvalidDataException>(() => ResultsFile.Read(path));

        Assert.Contains(path, e.Message);
    }

    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(1, 1.5)]
    [InlineData(1, double.NaN)]
    public void Merge_InvalidRow_ThrowsNamingRow(int k, double passAtK)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => ResultsFile.Empty.Merge([new("remit", "gsm", "edge", k, passAtK, 10)]));

        Assert.Contains("remit/gsm/edge", e.Message);
    }
}
