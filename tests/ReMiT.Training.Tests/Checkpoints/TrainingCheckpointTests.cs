using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Checkpoints;

public sealed class TrainingCheckpointTests : IDisposable
{
    private static readonly DecoderConfig Config = ModelPresets.Get("smoke").Config with { VocabSize = 64, NumHiddenLayers = 1 };
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-ckpt-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static void TrainSteps(DecoderModel model, FlatAdamW optimizer, int from, int to)
    {
        for (int step = from; step < to; step++)
        {
            using var scope = NewDisposeScope();
            var tokens = randint(0, Config.VocabSize, [2, 9], generator: new Generator((ulong)(100 + step)));
            var logits = model.Forward(tokens[.., ..^1]);
            nn.functional.cross_entropy(logits.reshape(-1, Config.VocabSize), tokens[.., 1..].reshape(-1)).backward();
            optimizer.GatherGradients();
            optimizer.Step(1e-2, 1.0);
        }
    }

    [Fact]
    public void SaveThenResume_ContinuesBitExactly()
    {
        using var model = new DecoderModel(Config);
        model.InitializeWeights(seed: 4);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        TrainSteps(model, optimizer, 0, 3);
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "pretrain", Step = 3, PolicyVersion = 3 });
        TrainSteps(model, optimizer, 3, 5);

        using var resumed = HfCheckpoint.Load(TrainingCheckpoint.Resolve(_dir)!); // the step folder is a model directory
        using var resumedOptimizer = new FlatAdamW(resumed.named_parameters(), new AdamWOptions());
        TrainingCheckpoint.LoadOptimizer(_dir, resumedOptimizer);
        var meta = TrainingCheckpoint.ReadMeta(_dir);
        Assert.Equal(3, meta.Step);
        Assert.Equal(3, resumedOptimizer.StepCount);
        TrainSteps(resumed, resumedOptimizer, meta.Step, 5);

        var expected = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in resumed.named_parameters())
            Assert.True(expected[name].bytes.SequenceEqual(p.bytes), $"{name} differs after resuming");
    }

    [Fact]
    public void SaveTwice_ReplacesAtomicallyAndLeavesNoTemporaries()
    {
        using var model = new DecoderModel(Config);
        using var optimizer = new FlatAdamW(model.named_parameters(), new AdamWOptions());
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 1 });
        TrainingCheckpoint.Save(_dir, model, optimizer, new CheckpointMeta { Stage = "s", Step = 2 });
        Assert.Equal(2, TrainingCheckpoint.ReadMeta(_dir).Step);
        string parent = Path.GetDirectoryName(_dir)!, name = Path.GetFileName(_dir);
        Assert.Single(Directory.GetDirectories(parent, name + "*"));
        Assert.Equal(["step-000000002"], Directory.GetDirectories(_dir).Select(Path.GetFileName));
        Assert.Equal([TrainingCheckpoint.PointerFile], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void ReadMeta_CorruptState_NamesTheFile()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, TrainingCheckpoint.StateFile), "{ not json");
        var e = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.ReadMeta(_dir));
        Assert.Contains(TrainingCheckpoint.StateFile, e.Message);
        Assert.Contains("corrupt", e.Message);
    }
}
