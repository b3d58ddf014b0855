using ReMiT.Model;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Optim;
using ReMiT.Training.Storage;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Checkpoints;

/// <summary>
/// A kill at every point of a checkpoint save: the directory must still resume from the newest
/// complete checkpoint (the old one until the pointer switches, the new one after), and the next save
/// must remove whatever the interrupted one left behind.
/// </summary>
public sealed class TrainingCheckpointCrashTests : IDisposable
{
    private static readonly DecoderConfig Config = ModelPresets.Get("smoke").Config with { VocabSize = 64, NumHiddenLayers = 1 };
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-crash-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Stands for the process dying at that instant: nothing after the throw runs.</summary>
    private sealed class SimulatedKill : Exception;

    public static TheoryData<int> Points() => new(Enum.GetValues<TrainingCheckpoint.SavePoint>().Select(p => (int)p));

    private static Action<TrainingCheckpoint.SavePoint> KillAt(TrainingCheckpoint.SavePoint at) =>
        p => { if (p == at) throw new SimulatedKill(); };

    // Sets every parameter and its optimizer master to value, so which checkpoint was restored shows in the weights themselves.
    private static void Fill(DecoderModel model, FlatAdamW optimizer, float value)
    {
        using (no_grad())
        {
            foreach (var (_, p) in model.named_parameters()) p.fill_(value);
            optimizer.Master.fill_(value);
        }
    }

    [Theory]
    [MemberData(nameof(Points))]
    public void Save_KilledAtAnyPoint_ResumesFromTheNewestCompleteCheckpoint_AndTheNextSaveCleansUp(int point)
    {
        var at = (TrainingCheckpoint.SavePoint)point;
        using var model = new DecoderModel(Config);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        Fill(model, optimizer, 1f);
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 1 });
        Fill(model, optimizer, 2f);
        Assert.Throws<SimulatedKill>(() =>
            TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 2 }, KillAt(at)));

        // The switch of the pointer is the commit: before it the old checkpoint, from it on the new one.
        bool committed = at >= TrainingCheckpoint.SavePoint.PointerSwitched;
        int expectedStep = committed ? 2 : 1;
        using var resumed = new DecoderModel(Config);
        using var resumedOptimizer = new FlatAdamW(resumed.named_parameters(), new AdamWOptions());
        var meta = TrainingCheckpoint.Restore(_dir, "s", resumed, resumedOptimizer);
        Assert.Equal(expectedStep, meta.Step);
        foreach (var (name, p) in resumed.named_parameters())
            Assert.True(p.eq(expectedStep).all().item<bool>(), $"{name} is not the step-{expectedStep} weights after a kill at {at}");

        Fill(model, optimizer, 3f);
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 3 });
        Assert.Equal(3, TrainingCheckpoint.ReadMeta(_dir).Step);
        Assert.Equal(["step-000000003"], Directory.GetDirectories(_dir).Select(Path.GetFileName));
        Assert.Equal([TrainingCheckpoint.PointerFile], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Theory]
    [InlineData((int)TrainingCheckpoint.SavePoint.FolderCreated)]
    [InlineData((int)TrainingCheckpoint.SavePoint.StateWritten)]
    [InlineData((int)TrainingCheckpoint.SavePoint.PointerWritten)]
    public void Save_FirstSaveKilledBeforeTheSwitch_LeavesNoCheckpoint_SoTheStageStartsOver(int point)
    {
        var at = (TrainingCheckpoint.SavePoint)point;
        using var model = new DecoderModel(Config);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        Assert.Throws<SimulatedKill>(() =>
            TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 1 }, KillAt(at)));
        Assert.False(TrainingCheckpoint.Exists(_dir)); // a half-written step folder (even with its state.json) is not a checkpoint
    }

    [Fact]
    public void Save_ResavingTheCurrentStep_WritesAFreshFolderAndKeepsTheOldUntilTheSwitch()
    {
        using var model = new DecoderModel(Config);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 4 });
        string first = TrainingCheckpoint.Resolve(_dir)!;
        Assert.Throws<SimulatedKill>(() => TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 4 },
            KillAt(TrainingCheckpoint.SavePoint.PointerWritten)));
        Assert.Equal(first, TrainingCheckpoint.Resolve(_dir)); // never written into in place
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 4 });
        Assert.NotEqual(first, TrainingCheckpoint.Resolve(_dir));
        Assert.Single(Directory.GetDirectories(_dir));
    }

    [Fact]
    public void Save_LayoutBeforeThePointer_IsReadAndReplacedAtomically()
    {
        using var model = new DecoderModel(Config);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        // An older build wrote the files straight into the directory.
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 1 });
        string step1 = TrainingCheckpoint.Resolve(_dir)!;
        foreach (string file in Directory.GetFiles(step1)) File.Copy(file, Path.Combine(_dir, Path.GetFileName(file)));
        File.Delete(Path.Combine(_dir, TrainingCheckpoint.PointerFile));
        Directory.Delete(step1, recursive: true);
        Assert.Equal(_dir, TrainingCheckpoint.Resolve(_dir));

        Assert.Throws<SimulatedKill>(() => TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 2 },
            KillAt(TrainingCheckpoint.SavePoint.Synced)));
        Assert.Equal(1, TrainingCheckpoint.ReadMeta(_dir).Step); // the old files survive an interrupted save
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 2 });
        Assert.Equal(2, TrainingCheckpoint.ReadMeta(_dir).Step);
        Assert.Equal([TrainingCheckpoint.PointerFile], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void Save_DiskFull_StopsWithAnErrorNamingTheDirectoryAndResume_AndKeepsTheLastCheckpoint()
    {
        using var model = new DecoderModel(Config);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 1 });
        // What .NET throws on Linux when a write hits ENOSPC: an IOException whose HResult is the errno.
        var e = Assert.Throws<DiskFullException>(() => TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 2 },
            p => { if (p == TrainingCheckpoint.SavePoint.ModelWritten) throw new IOException("No space left on device", DiskFull.Enospc); }));
        Assert.Contains(_dir, e.Message);
        Assert.Contains("--resume", e.Message);
        Assert.Contains("step 2", e.Message);
        Assert.Equal(1, TrainingCheckpoint.ReadMeta(_dir).Step);
    }

    [Fact]
    public void Resolve_PointerNamingAMissingFolder_ThrowsNamingThePointer()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, TrainingCheckpoint.PointerFile), "step-000000009\n");
        var e = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Resolve(_dir));
        Assert.Contains(TrainingCheckpoint.PointerFile, e.Message);
        Assert.Contains("step-000000009", e.Message);
        File.WriteAllText(Path.Combine(_dir, TrainingCheckpoint.PointerFile), "../elsewhere\n");
        Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.Resolve(_dir));
    }
}
