namespace ReMiT.Tokenization.Tests;

public sealed class TokenizerJsonReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("remit-tokjson-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string json)
    {
        string path = Path.Combine(_dir, "tokenizer.json");
        File.WriteAllText(path, json);
        return path;
    }

    private const string Valid = """
        {"version":"1.0","added_tokens":[],"normalizer":NORMALIZER,
         "pre_tokenizer":{"type":"ByteLevel","add_prefix_space":false,"use_regex":true},
         "decoder":{"type":"ByteLevel"},
         "model":{"type":MODEL,"vocab":{"a":0,"b":1,"ab":2},"merges":[MERGE]}}
        """;

    private static string Json(string normalizer = "null", string model = "\"BPE\"", string merge = "\"a b\"") =>
        Valid.Replace("NORMALIZER", normalizer).Replace("MODEL", model).Replace("MERGE", merge);

    [Fact]
    public void Load_MissingFile_ThrowsNamingThePath()
    {
        var e = Assert.Throws<FileNotFoundException>(() => HfTokenizer.Load(Path.Combine(_dir, "nope.json")));
        Assert.Contains("nope.json", e.Message);
    }

    [Fact]
    public void Load_InvalidJson_ThrowsNamingTheFile()
    {
        string path = Write("{ not json");
        var e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void Load_WordPieceModel_ThrowsNamingTheJsonPath()
    {
        string path = Write(Json(model: "\"WordPiece\""));
        var e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(path));
        Assert.Contains("$.model.type", e.Message);
        Assert.Contains("WordPiece", e.Message);
    }

    [Fact]
    public void Load_UnsupportedNormalizer_ThrowsNamingTheJsonPath()
    {
        string path = Write(Json(normalizer: """{"type":"Lowercase"}"""));
        var e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("$.normalizer.type", e.Message);
    }

    [Fact]
    public void Load_BadMerge_ThrowsNamingTheMergeIndex()
    {
        string path = Write(Json(merge: "42"));
        var e = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(path));
        Assert.Contains("$.model.merges[0]", e.Message);
    }

    [Fact]
    public void Load_ArrayMergesAndStringMerges_EncodeTheSame()
    {
        int[] fromString = HfTokenizer.Load(Write(Json(merge: "\"a b\""))).Encode("abab");
        int[] fromArray = HfTokenizer.Load(Write(Json(merge: """["a","b"]"""))).Encode("abab");
        Assert.Equal([2, 2], fromString);
        Assert.Equal(fromString, fromArray);
    }
}
