using ReMiT.Model;
using ReMiT.Model.Checkpoints;
using ReMiT.Training.Checkpoints;
using ReMiT.Training.Distributed;
using ReMiT.Training.Optim;
using ReMiT.Training.Tests.Distributed;
using ReMiT.Training.Tests.Optim;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Checkpoints;

/// <summary>
/// ZeRO-1 checkpoints hold the full flat state of one process, so a run resumes on any rank count: a sharded
/// save writes what plain data parallelism writes, and a one-process file loads into three uneven shards.
/// </summary>
public sealed class TrainingCheckpointZeroTests : IDisposable
{
    private const double Tolerance = 1e-6;
    private static readonly DecoderConfig Config = ModelPresets.Get("smoke").Config with { VocabSize = 61, NumHiddenLayers = 1 };
    private static readonly AdamWOptions Adam = new(Eps: 1e-6);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"remit-zero-ckpt-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    // One step on a batch every rank shares (the averaged gradient is then the one-process gradient). No clipping: the
    // moments then see the same gradient bits with and without sharding (a clip factor from a sharded norm rounds differently).
    private static void SharedStep(DecoderModel model, FlatAdamW optimizer, int step)
    {
        using var scope = NewDisposeScope();
        var tokens = randint(0, Config.VocabSize, [2, 9], generator: new Generator((ulong)(50 + step)));
        var logits = model.Forward(tokens[.., ..^1]);
        nn.functional.cross_entropy(logits.reshape(-1, Config.VocabSize), tokens[.., 1..].reshape(-1)).backward();
        optimizer.GatherGradients();
        optimizer.AverageGradients();
        optimizer.Step(3e-3, maxNorm: 0).Dispose();
    }

    private static CheckpointMeta Meta(int step) => new() { Stage = "pretrain", Step = step, PolicyVersion = step };

    private static Dictionary<string, Tensor> OptimizerFile(string dir) =>
        SafeTensorsFile.Load(Path.Combine(TrainingCheckpoint.Resolve(dir)!, TrainingCheckpoint.OptimizerFile));

    [Fact]
    public void Save_Zero1TwoRanks_WritesWhatPlainDataParallelWrites()
    {
        string plainDir = Path.Combine(_dir, "plain"), shardedDir = Path.Combine(_dir, "sharded");
        foreach (var (zero, dir) in new[] { (0, plainDir), (1, shardedDir) })
            new InProcessGroup(2).Run(c =>
            {
                using var model = new DecoderModel(Config);
                model.InitializeWeights(seed: 3);
                using var optimizer = new FlatAdamW(model.named_parameters(), Adam, c, zero);
                for (int step = 0; step < 2; step++) SharedStep(model, optimizer, step);
                TrainingCheckpoint.Save(dir, model, optimizer, Meta(2), c);
                return 0;
            });

        using var scope = NewDisposeScope();
        var plain = OptimizerFile(plainDir);
        var sharded = OptimizerFile(shardedDir);
        Assert.Equal(plain.Keys.Order(), sharded.Keys.Order());
        Assert.Equal(2, sharded["step"].item<long>());
        foreach (string name in FlatAdamW.StateNames)
        {
            Assert.Equal(plain[name].shape, sharded[name].shape);
            double diff = FlatAdamWZeroTests.RelativeDifference(plain[name].data<float>().ToArray(), sharded[name].data<float>().ToArray());
            Assert.True(diff < Tolerance, $"{name}: {diff:E2} relative");
        }
    }

    [Fact]
    public void LoadOptimizer_OneProcessFileIntoThreeZero1Ranks_HoldsExactShardsAndContinuesLikeOneProcess()
    {
        using (var model = new DecoderModel(Config))
        {
            model.InitializeWeights(seed: 5);
            using var optimizer = new FlatAdamW(model.named_parameters(), Adam);
            for (int step = 0; step < 2; step++) SharedStep(model, optimizer, step);
            TrainingCheckpoint.Save(_dir, model, optimizer, Meta(2));
        }
        float[] oneProcess;
        using (var model = HfCheckpoint.Load(TrainingCheckpoint.Resolve(_dir)!))
        using (var optimizer = new FlatAdamW(model.named_parameters(), Adam))
        {
            TrainingCheckpoint.LoadOptimizer(_dir, optimizer);
            SharedStep(model, optimizer, 2);
            oneProcess = FlatAdamWZeroTests.Weights(model);
        }

        using var scope = NewDisposeScope();
        var file = OptimizerFile(_dir);
        var ranks = new InProcessGroup(3).Run(c =>
        {
            using var model = HfCheckpoint.Load(TrainingCheckpoint.Resolve(_dir)!);
            using var optimizer = new FlatAdamW(model.named_parameters(), Adam, c, zero: 1);
            TrainingCheckpoint.LoadOptimizer(_dir, optimizer);
            // The shards gathered back are the file, bit for bit.
            bool exact = FlatAdamW.StateNames.All(name =>
            {
                using var full = optimizer.FullState(name);
                return full.data<float>().ToArray().AsSpan().SequenceEqual(file[name].data<float>().ToArray());
            });
            long step = optimizer.StepCount;
            SharedStep(model, optimizer, 2);
            return (exact, step, Weights: FlatAdamWZeroTests.Weights(model));
        });

        for (int r = 0; r < 3; r++)
        {
            Assert.True(ranks[r].exact, $"rank {r}: the gathered shards differ from the file");
            Assert.Equal(2, ranks[r].step);
            double diff = FlatAdamWZeroTests.RelativeDifference(oneProcess, ranks[r].Weights);
            Assert.True(diff < Tolerance, $"rank {r}: {diff:E2} relative after the resumed step");
        }
    }

    [Fact]
    public void Save_ShardedWithoutItsCollective_Throws()
    {
        var messages = new InProcessGroup(2).Run(c =>
        {
            using var model = new DecoderModel(Config);
            using var optimizer = new FlatAdamW(model.named_parameters(), Adam, c, zero: 1);
            return Assert.Throws<InvalidOperationException>(() => TrainingCheckpoint.Save(Path.Combine(_dir, $"r{c.Rank}"), model, optimizer, Meta(1))).Message;
        });
        Assert.All(messages, m => Assert.Contains("every rank", m));
    }

    [Fact]
    public void LoadOptimizer_AnotherModelsState_FailsNamingTheTensorBeforeReading()
    {
        using (var model = new DecoderModel(Config))
        using (var optimizer = new FlatAdamW(model.named_parameters(), Adam))
            TrainingCheckpoint.Save(_dir, model, optimizer, Meta(0));
        using var bigger = new DecoderModel(Config with { NumHiddenLayers = 2 });
        using var optimizer2 = new FlatAdamW(bigger.named_parameters(), Adam);
        var e = Assert.Throws<InvalidDataException>(() => TrainingCheckpoint.LoadOptimizer(_dir, optimizer2));
        Assert.Contains("'exp_avg'", e.Message);
        Assert.Contains("another model", e.Message);
    }
}
