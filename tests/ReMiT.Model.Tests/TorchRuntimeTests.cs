using ReMiT.Build;
using ReMiT.Model;
using TorchSharp;

namespace ReMiT.Model.Tests;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void Matmul_OnCpu_ComputesHandCheckedProduct()
    {
        using var scope = torch.NewDisposeScope();
        var a = torch.tensor(new float[] { 1, 2, 3, 4 }, 2, 2);
        var b = torch.tensor(new float[] { 5, 6, 7, 8 }, 2, 2);
        float[] c = torch.matmul(a, b).data<float>().ToArray();
        Assert.Equal(new float[] { 19, 22, 43, 50 }, c);
    }

    [Fact]
    public void Describe_CpuBuild_ReportsNuGetLibTorchBesideTheBinaries()
    {
        TorchRuntimeInfo info = TorchRuntime.Describe();
        Assert.EndsWith("libtorch_cpu.so", info.LibTorchPath);
        Assert.Equal("nuget", info.LibTorchSource);
        Assert.True(info.Threads >= 1);
    }

    [Fact]
    public void BuildOutput_TorchSharpShim_HasWeakGlibcxx3432Requirement()
    {
        string lib = Path.Combine(AppContext.BaseDirectory, "libLibTorchSharp.so");
        var needs = ElfWeakVersion.ReadNeeds(lib);
        var glibcxx = Assert.Single(needs, n => n.Version == "GLIBCXX_3.4.32");
        Assert.True(glibcxx.Weak);
        Assert.Equal("libstdc++.so.6", glibcxx.File);
        Assert.Contains(needs, n => n.Version == "GLIBCXX_3.4.30" && !n.Weak); // only the one flag is touched
    }

    [Fact]
    public void MarkWeak_OnPristineCopy_ChangesOnlyThatEntryAndIsIdempotent()
    {
        string original = Path.Combine(NuGetPackages(), "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        string copy = Path.Combine(Path.GetTempPath(), $"remit-elf-{Guid.NewGuid():N}.so");
        File.Copy(original, copy);
        try
        {
            Assert.False(Assert.Single(ElfWeakVersion.ReadNeeds(copy), n => n.Version == "GLIBCXX_3.4.32").Weak);
            byte[] before = File.ReadAllBytes(copy);
            Assert.True(ElfWeakVersion.MarkWeak(copy, "GLIBCXX_3.4.32"));
            Assert.False(ElfWeakVersion.MarkWeak(copy, "GLIBCXX_3.4.32"));
            byte[] after = File.ReadAllBytes(copy);
            int[] diff = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
            Assert.Single(diff);
            Assert.Equal(2, after[diff[0]] ^ before[diff[0]]); // VER_FLG_WEAK
        }
        finally { File.Delete(copy); }
    }

    [Fact]
    public void ReadNeeds_NotAnElfFile_NamesTheFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"remit-not-elf-{Guid.NewGuid():N}.so");
        File.WriteAllText(path, "hello");
        try
        {
            var e = Assert.Throws<InvalidDataException>(() => ElfWeakVersion.ReadNeeds(path));
            Assert.Contains(path, e.Message);
        }
        finally { File.Delete(path); }
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:x")]
    public void ResolveDevice_UnknownOrBadName_Throws(string name)
    {
        Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice(name));
    }

    [Fact]
    public void ResolveDevice_Cpu_ReturnsCpu()
    {
        Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice("cpu").type);
        if (!torch.cuda.is_available())
            Assert.Equal(DeviceType.CPU, TorchRuntime.ResolveDevice("auto").type);
    }

    private static string NuGetPackages() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES")
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}

public sealed class ModelPresetsTests
{
    [Theory]
    [InlineData("tiny", 1_000_000, 2_000_000)]
    [InlineData("small", 25_000_000, 40_000_000)]
    [InlineData("base", 90_000_000, 120_000_000)]
    public void Presets_HaveTheAdvertisedSize(string name, long min, long max)
    {
        var preset = ModelPresets.Get(name);
        Assert.Empty(preset.Config.Validate());
        Assert.InRange(preset.Config.ParameterCount(), min, max);
    }

    [Fact]
    public void ParameterCount_MatchesTheBuiltModule()
    {
        var config = ModelPresets.Get("smoke").Config;
        using var model = new DecoderModel(config);
        Assert.Equal(config.ParameterCount(), model.parameters().Sum(p => p.numel()));
        using var untied = new DecoderModel(config with { TieWordEmbeddings = false, AttentionBias = false });
        Assert.Equal((config with { TieWordEmbeddings = false, AttentionBias = false }).ParameterCount(), untied.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Get_Unknown_ListsTheKnownOnes() =>
        Assert.Contains("smoke, tiny, small, base", Assert.Throws<ArgumentException>(() => ModelPresets.Get("huge")).Message);
}
