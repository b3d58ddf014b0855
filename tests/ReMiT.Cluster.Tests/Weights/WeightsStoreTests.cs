using ReMiT.Cluster.Weights;
using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Storage;
using static TorchSharp.torch;

namespace ReMiT.Cluster.Tests.Weights;

public sealed class WeightsStoreTests
{
    private static readonly DecoderConfig Smoke = ModelPresets.Get("smoke").Config;

    private static DecoderModel NewModel(long seed)
    {
        random.manual_seed(seed);
        return new DecoderModel(Smoke);
    }

    private static void AssertBitIdentical(DecoderModel expected, DecoderModel actual)
    {
        var want = expected.named_parameters().ToList();
        var got = actual.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(want.Count, got.Count);
        foreach (var (name, parameter) in want)
        {
            Assert.Equal(parameter.dtype, got[name].dtype);
            Assert.Equal(parameter.shape, got[name].shape);
            Assert.True(parameter.bytes.SequenceEqual(got[name].bytes), $"{name} differs");
        }
    }

    private static string WeightsFile(string run, int version) =>
        Path.Combine(new WeightsVersion(version).PathIn(run), HfCheckpoint.WeightsFile);

    [Fact]
    public void PublishThenLoad_SmokeModel_GivesBitIdenticalParameters()
    {
        using var run = new TempDir();
        using var model = NewModel(1);

        var took = WeightsStore.Publish(model, new WeightsVersion(3), run.Path);
        using var loaded = WeightsStore.Load(new WeightsVersion(3), run.Path);

        Assert.True(took > TimeSpan.Zero);
        AssertBitIdentical(model, loaded);
        Assert.Equal(Smoke, loaded.Config);
        Assert.Equal([HfCheckpoint.ConfigFile, WeightsManifest.FileName, HfCheckpoint.WeightsFile],
            Directory.EnumerateFileSystemEntries(new WeightsVersion(3).PathIn(run.Path)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["v000003"], Directory.EnumerateFileSystemEntries(Path.Combine(run.Path, "weights")).Select(Path.GetFileName)); // no temp left
    }

    [Fact]
    public void Publish_Manifest_RecordsSizeAndSha256OfEveryFile()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        WeightsStore.Publish(model, new WeightsVersion(1), run.Path);
        string dir = new WeightsVersion(1).PathIn(run.Path);

        var manifest = WeightsManifest.Read(Path.Combine(dir, WeightsManifest.FileName));

        Assert.Equal(1, manifest.Version);
        Assert.Equal([HfCheckpoint.ConfigFile, HfCheckpoint.WeightsFile], manifest.Files.Select(f => f.Name));
        foreach (var entry in manifest.Files)
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(dir, entry.Name));
            Assert.Equal(bytes.LongLength, entry.Size);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), entry.Sha256);
        }
    }

    [Fact]
    public void LoadInto_ExistingModel_CopiesPublishedParameters()
    {
        using var run = new TempDir();
        using var published = NewModel(1);
        using var existing = NewModel(2);
        WeightsStore.Publish(published, new WeightsVersion(1), run.Path);

        WeightsStore.LoadInto(existing, new WeightsVersion(1), run.Path);

        AssertBitIdentical(published, existing);
    }

    [Fact]
    public void LoadInto_DifferentShape_ThrowsNamingBothConfigs()
    {
        using var run = new TempDir();
        using var published = NewModel(1);
        WeightsStore.Publish(published, new WeightsVersion(1), run.Path);
        using var other = new DecoderModel(Smoke with { NumHiddenLayers = 1 });

        var e = Assert.Throws<InvalidDataException>(() => WeightsStore.LoadInto(other, new WeightsVersion(1), run.Path));
        Assert.Contains("v000001", e.Message);
        Assert.Contains("NumHiddenLayers = 1", e.Message);
    }

    [Fact]
    public void Load_OneByteFlippedInSafetensors_RefusesNamingFileAndBothHashes()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        WeightsStore.Publish(model, new WeightsVersion(7), run.Path);
        string path = WeightsFile(run.Path, 7);
        string expected = WeightsManifest.Hash(path).Sha256;
        byte[] bytes = File.ReadAllBytes(path);
        bytes[^5] ^= 0x01; // one bit of one tensor value: same size, still a valid file
        File.WriteAllBytes(path, bytes);
        string actual = WeightsManifest.Hash(path).Sha256;

        var e = Assert.Throws<InvalidDataException>(() => WeightsStore.Load(new WeightsVersion(7), run.Path));

        Assert.Contains("v000007", e.Message);
        Assert.Contains(HfCheckpoint.WeightsFile, e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Contains(actual, e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void Load_TruncatedSafetensors_RefusesNamingFileAndSizes()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        WeightsStore.Publish(model, new WeightsVersion(1), run.Path);
        string path = WeightsFile(run.Path, 1);
        long size = new FileInfo(path).Length;
        using (var stream = new FileStream(path, FileMode.Open)) stream.SetLength(size - 1000);

        var e = Assert.Throws<InvalidDataException>(() => WeightsStore.Load(new WeightsVersion(1), run.Path));

        Assert.Contains(HfCheckpoint.WeightsFile, e.Message);
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains($"{size - 1000:N0} bytes", e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void Load_MissingManifest_Refuses()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        WeightsStore.Publish(model, new WeightsVersion(1), run.Path);
        File.Delete(Path.Combine(new WeightsVersion(1).PathIn(run.Path), WeightsManifest.FileName));

        var e = Assert.Throws<InvalidDataException>(() => WeightsStore.Load(new WeightsVersion(1), run.Path));

        Assert.Contains(WeightsManifest.FileName, e.Message);
        Assert.Contains("missing", e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void Load_ManifestNotJson_Refuses()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        WeightsStore.Publish(model, new WeightsVersion(1), run.Path);
        File.WriteAllText(Path.Combine(new WeightsVersion(1).PathIn(run.Path), WeightsManifest.FileName), "{\"version\": 1, \"fil");

        var e = Assert.Throws<InvalidDataException>(() => WeightsStore.Load(new WeightsVersion(1), run.Path));

        Assert.Contains("not a weights manifest", e.Message);
        Assert.Contains("corrupt", e.Message);
    }

    [Fact]
    public void Load_MissingOrExtraFile_RefusesNamingEach()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        WeightsStore.Publish(model, new WeightsVersion(1), run.Path);
        string dir = new WeightsVersion(1).PathIn(run.Path);
        File.Delete(Path.Combine(dir, HfCheckpoint.ConfigFile));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "hello");

        var e = Assert.Throws<InvalidDataException>(() => WeightsStore.Load(new WeightsVersion(1), run.Path));

        Assert.Contains($"{HfCheckpoint.ConfigFile} is missing", e.Message);
        Assert.Contains("notes.txt is not in manifest.json", e.Message);
    }

    [Fact]
    public void Load_UnpublishedVersion_ThrowsNamingLatest()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        WeightsStore.Publish(model, new WeightsVersion(2), run.Path);

        var e = Assert.Throws<DirectoryNotFoundException>(() => WeightsStore.Load(new WeightsVersion(5), run.Path));

        Assert.Contains("v000005", e.Message);
        Assert.Contains("latest: v000002", e.Message);
    }

    [Fact]
    public void Publish_SameVersionTwice_Throws()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        WeightsStore.Publish(model, new WeightsVersion(1), run.Path);

        var e = Assert.Throws<InvalidOperationException>(() => WeightsStore.Publish(model, new WeightsVersion(1), run.Path));
        Assert.Contains("already published", e.Message);
    }

    [Fact]
    public void Publish_BeforeRename_VersionIsInvisibleAndTempIsComplete()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        WeightsStore.Publish(model, new WeightsVersion(1), run.Path);
        bool called = false;

        WeightsStore.Publish(model, new WeightsVersion(2), run.Path, beforeRename: temp =>
        {
            called = true;
            // Everything is written and hashed, but under a name no reader takes for a version.
            Assert.False(WeightsVersion.TryParse(Path.GetFileName(temp), out _));
            Assert.Equal(Path.Combine(run.Path, "weights"), Path.GetDirectoryName(temp));
            Assert.True(File.Exists(Path.Combine(temp, WeightsManifest.FileName)));
            Assert.Equal([new WeightsVersion(1)], WeightsVersion.ListPublished(run.Path));
            Assert.Equal(new WeightsVersion(1), WeightsStore.Latest(run.Path));
            Assert.Throws<DirectoryNotFoundException>(() => WeightsStore.Verify(new WeightsVersion(2), run.Path));
        });

        Assert.True(called);
        Assert.Equal(new WeightsVersion(2), WeightsStore.Latest(run.Path));
        WeightsStore.Verify(new WeightsVersion(2), run.Path);
    }

    [Fact]
    public void Publish_DiskFull_StopsWithAnErrorNamingTheWeightsFolderAndResume_AndLeavesNoTemporary()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        // How .NET on Linux reports a write that hit ENOSPC: an IOException whose HResult is the errno (28).
        var e = Assert.Throws<DiskFullException>(() => WeightsStore.Publish(model, new WeightsVersion(1), run.Path,
            beforeRename: _ => throw new IOException("No space left on device", DiskFull.Enospc)));
        Assert.Contains(Path.Combine(run.Path, "weights"), e.Message);
        Assert.Contains("v000001", e.Message);
        Assert.Contains("--resume", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(run.Path, "weights")));
        Assert.Null(WeightsStore.Latest(run.Path));
    }

    [Fact]
    public async Task Publish_ConcurrentReader_NeverSeesAVersionWithoutManifest()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        var seen = new HashSet<WeightsVersion>();
        int seenCount = 0;
        var problems = new List<string>();
        using var done = new CancellationTokenSource();
        var reader = Task.Run(() =>
        {
            while (!done.IsCancellationRequested)
                foreach (var v in WeightsVersion.ListPublished(run.Path))
                {
                    seen.Add(v);
                    Interlocked.Increment(ref seenCount);
                    string dir = v.PathIn(run.Path);
                    foreach (string file in new[] { WeightsManifest.FileName, HfCheckpoint.WeightsFile, HfCheckpoint.ConfigFile })
                        if (!File.Exists(Path.Combine(dir, file))) problems.Add($"{v}: {file} absent");
                }
        });

        for (int n = 1; n <= 6; n++) WeightsStore.Publish(model, new WeightsVersion(n), run.Path);
        // On a loaded machine the reader may not have run yet: let it see the folder at least once.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref seenCount) == 0 && DateTime.UtcNow < deadline) await Task.Delay(10);
        done.Cancel();
        await reader;

        Assert.Empty(problems);
        Assert.NotEmpty(seen);
    }

    [Fact]
    public void Prune_KeepFromThree_DeletesOlderVersionsAndTheirLeftoversOnly()
    {
        using var run = new TempDir();
        string weights = Path.Combine(run.Path, "weights");
        foreach (int n in new[] { 1, 2, 3, 4, 5 })
            Directory.CreateDirectory(new WeightsVersion(n).PathIn(run.Path));
        Directory.CreateDirectory(Path.Combine(weights, ".tmp-v000002-42-abc"));   // crashed publisher of an old version
        Directory.CreateDirectory(Path.Combine(weights, ".tmp-v000006-42-def"));   // a publish in progress
        Directory.CreateDirectory(Path.Combine(weights, "notes"));

        var deleted = WeightsStore.Prune(run.Path, new WeightsVersion(3));

        Assert.Equal([new WeightsVersion(1), new WeightsVersion(2)], deleted);
        Assert.Equal([new WeightsVersion(3), new WeightsVersion(4), new WeightsVersion(5)], WeightsVersion.ListPublished(run.Path));
        Assert.Equal([".tmp-v000006-42-def", "notes", "v000003", "v000004", "v000005"],
            Directory.EnumerateFileSystemEntries(weights).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(new WeightsVersion(5), WeightsStore.Latest(run.Path));
    }

    [Fact]
    public void Latest_NothingPublished_IsNull()
    {
        using var run = new TempDir();
        Assert.Null(WeightsStore.Latest(run.Path));
        Assert.Empty(WeightsStore.Prune(run.Path, new WeightsVersion(10)));
    }

    [Fact]
    public void SealModel_ThenVerify_PassesUntilAFileChanges_ThenNamesIt()
    {
        using var run = new TempDir();
        using var model = NewModel(1);
        string dir = Path.Combine(run.Path, "models", "base+rl");
        HfCheckpoint.Save(model, dir);
        Assert.Throws<InvalidDataException>(() => WeightsStore.VerifyModel(dir)); // not sealed: nothing to check against
        WeightsStore.SealModel(dir);
        WeightsStore.VerifyModel(dir);

        string file = Path.Combine(dir, HfCheckpoint.WeightsFile);
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 1;
        File.WriteAllBytes(file, bytes);
        var e = Assert.Throws<InvalidDataException>(() => WeightsStore.VerifyModel(dir));
        Assert.Contains("model base+rl", e.Message);
        Assert.Contains($"{HfCheckpoint.WeightsFile}: SHA-256 expected", e.Message);
    }
}
