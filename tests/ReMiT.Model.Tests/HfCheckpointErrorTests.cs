using System.Text;
using ReMiT.Model.Checkpoints;
using ReMiT.Tests.Shared;

namespace ReMiT.Model.Tests;

public sealed class HfCheckpointErrorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-bad-ckpt-{Guid.NewGuid():N}");

    public HfCheckpointErrorTests()
    {
        Directory.CreateDirectory(_dir);
        foreach (string f in new[] { "config.json", "model.safetensors" })
            File.Copy(RepoPaths.Fixture("hf-reference", "llama-tiny", f), Path.Combine(_dir, f));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Weights => Path.Combine(_dir, "model.safetensors");

    [Fact]
    public void Load_TruncatedWeights_NamesFileAndSaysTruncated()
    {
        byte[] bytes = File.ReadAllBytes(Weights);
        File.WriteAllBytes(Weights, bytes[..(bytes.Length - 1000)]);
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(_dir));
        Assert.Contains("model.safetensors", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Load_RenamedTensor_ReportsMissingAndUnexpectedNames()
    {
        byte[] bytes = File.ReadAllBytes(Weights);
        byte[] from = Encoding.ASCII.GetBytes("\"model.norm.weight\""), to = Encoding.ASCII.GetBytes("\"model.nrom.weight\"");
        int at = bytes.AsSpan().IndexOf(from);
        Assert.True(at > 0);
        to.CopyTo(bytes, at); // same length, so offsets stay valid
        File.WriteAllBytes(Weights, bytes);

        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(_dir));
        Assert.Contains("missing tensor 'model.norm.weight' [64]", e.Message);
        Assert.Contains("unexpected tensor 'model.nrom.weight'", e.Message);
    }

    [Fact]
    public void Load_ShapeMismatch_ReportsEveryWrongTensorWithBothShapes()
    {
        string config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"intermediate_size\": 176", "\"intermediate_size\": 128"));
        var e = Assert.Throws<InvalidDataException>(() => HfCheckpoint.Load(_dir));
        Assert.Contains("tensor 'model.layers.0.mlp.up_proj.weight' has shape [176,64], the config needs [128,64]", e.Message);
        Assert.Contains("model.layers.1.mlp.down_proj.weight", e.Message); // all of them, not just the first
    }

    [Fact]
    public void Load_MissingFiles_SayWhichOne()
    {
        File.Delete(Path.Combine(_dir, "config.json"));
        Assert.Contains("config.json is missing", Assert.Throws<FileNotFoundException>(() => HfCheckpoint.Load(_dir)).Message);
        Assert.Throws<DirectoryNotFoundException>(() => HfCheckpoint.Load(Path.Combine(_dir, "nope")));
    }
}
