using System.Text.Json.Nodes;
using ReMiT.Cli.JsonLines;

namespace ReMiT.Cli.Tests;

public sealed class JsonLinesFileTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void Transform_BadLines_ReportedWithLineNumberAndOthersKept()
    {
        string input = _h.Write("in.jsonl",
            """{"x": 1, "keep": "a<b>"}""",
            "not json",
            "",
            "[1, 2]",
            """{"x": 4}""",
            """{"y": 5}""");
        var errors = new StringWriter();
        int bad = JsonLinesFile.Transform(input, _h.PathOf("out.jsonl"),
            o => o["double"] = JsonLinesFile.Required<int>(o, "x") * 2, errors);

        Assert.Equal(3, bad);
        string[] lines = File.ReadAllLines(_h.PathOf("out.jsonl"));
        Assert.Equal(["""{"x":1,"keep":"a<b>","double":2}""", """{"x":4,"double":8}"""], lines);
        string report = errors.ToString();
        Assert.Contains($"{input}:2:", report);
        Assert.Contains($"{input}:4: expected a JSON object, found array", report);
        Assert.Contains($"{input}:6: missing field 'x'", report);
        Assert.DoesNotContain($"{input}:3:", report); // blank lines are not errors
    }

    [Fact]
    public void Required_WrongType_NamesFieldAndExpectedType()
    {
        var obj = JsonNode.Parse("""{"names": "Alice"}""")!.AsObject();
        var e = Assert.Throws<JsonLineException>(() => JsonLinesFile.Required<string[]>(obj, "names"));
        Assert.Contains("field 'names' has the wrong type (expected an array of a string)", e.Message);
    }

    [Fact]
    public void Transform_MissingInput_ThrowsNamingTheFile()
    {
        string missing = _h.PathOf("nope.jsonl");
        var e = Assert.Throws<FileNotFoundException>(() =>
            JsonLinesFile.Transform(missing, _h.PathOf("out.jsonl"), _ => { }, TextWriter.Null));
        Assert.Contains(missing, e.Message);
        Assert.False(File.Exists(_h.PathOf("out.jsonl")));
    }

    [Fact]
    public void Transform_TransformThrowsBug_LeavesNoPartialOutput()
    {
        string input = _h.Write("in.jsonl", """{"x": 1}""", """{"x": 2}""");
        string output = _h.Write("out.jsonl", "previous content");
        Assert.Throws<DivideByZeroException>(() =>
            JsonLinesFile.Transform(input, output, o => o["q"] = 1 / (JsonLinesFile.Required<int>(o, "x") - 2), TextWriter.Null));
        Assert.Equal("previous content\n", File.ReadAllText(output)); // the old file is untouched
        Assert.Single(Directory.GetFiles(_h.Dir, "out.jsonl*"));   // and no temp file is left behind
    }

    [Fact]
    public void Info_PrintsLibTorchAndDevice()
    {
        var (exit, output, _) = _h.Run("info");
        Assert.Equal(0, exit);
        Assert.Contains("libtorch_cpu.so (nuget)", output);
        Assert.Contains("device:      cpu", output);
    }
}
