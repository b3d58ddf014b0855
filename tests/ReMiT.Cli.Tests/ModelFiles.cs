using ReMiT.Model.Checkpoints;
using static TorchSharp.torch;

namespace ReMiT.Cli.Tests;

/// <summary>Compares saved models (model.safetensors paths).</summary>
internal static class ModelFiles
{
    public static bool SameBytes(string a, string b) => File.ReadAllBytes(a).AsSpan().SequenceEqual(File.ReadAllBytes(b));

    /// <summary>max |a − b| / max |a| over every parameter of two models of one shape.</summary>
    public static double MaxRelativeDifference(string a, string b)
    {
        using var scope = NewDisposeScope();
        using var ma = HfCheckpoint.Load(Path.GetDirectoryName(a)!, CPU);
        using var mb = HfCheckpoint.Load(Path.GetDirectoryName(b)!, CPU);
        var pb = mb.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        double diff = 0, scale = 0;
        foreach (var (name, p) in ma.named_parameters())
        {
            diff = Math.Max(diff, (p - pb[name]).abs().max().item<float>());
            scale = Math.Max(scale, p.abs().max().item<float>());
        }
        return diff / Math.Max(scale, 1e-12);
    }
}
