using ReMiT.Model;
using ReMiT.Training.Distributed;
using ReMiT.Training.Optim;
using ReMiT.Training.Tests.Distributed;
using TorchSharp;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Optim;

/// <summary>
/// ZeRO-1 against plain data parallelism, both over in-process ranks: the same steps, the same global gradient
/// norm, every rank ending with the same weights. Three ranks and small buckets make the shards uneven and cut
/// parameters across shards and buckets.
/// </summary>
public sealed class FlatAdamWZeroTests
{
    private const double Tolerance = 1e-6;
    // A bucket that three ranks do not divide (block 1366, bucket 4098), so most parameters straddle buckets.
    private const long SmallBucket = 4099;
    private static readonly DecoderConfig Config = ModelPresets.Get("smoke").Config with { VocabSize = 61, NumHiddenLayers = 1 };
    // ε 1e-6, as DataParallelBenchmark explains: Adam would otherwise turn rounding noise in near-zero gradients into lr-sized moves.
    private static readonly AdamWOptions Adam = new(Eps: 1e-6);

    // Each rank starts from its own seed (so only the optimizer's start from rank 0 makes them equal), trains on its
    // own batches with clipping active, and returns its float32 weights and the step norms.
    private static (float[] Weights, float[] Norms) Train(ICollective c, int zero, int steps, long bucket)
    {
        using var model = new DecoderModel(Config);
        model.InitializeWeights(seed: 7 + c.Rank);
        using var optimizer = new FlatAdamW(model.named_parameters(), Adam, c, zero, bucket);
        DataParallel.BroadcastMaster(optimizer, c);
        var norms = new float[steps];
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            var tokens = randint(0, Config.VocabSize, [2, 9], generator: new Generator((ulong)(1000 * step + c.Rank)));
            var logits = model.Forward(tokens[.., ..^1]);
            nn.functional.cross_entropy(logits.reshape(-1, Config.VocabSize), tokens[.., 1..].reshape(-1)).backward();
            optimizer.GatherGradients();
            optimizer.AverageGradients();
            norms[step] = optimizer.Step(3e-3, maxNorm: 0.1).item<float>();
        }
        return (Weights(model), norms);
    }

    internal static float[] Weights(DecoderModel model)
    {
        using var scope = NewDisposeScope();
        return cat(model.parameters().Select(p => p.detach().reshape(-1).to(ScalarType.Float32)).ToArray()).data<float>().ToArray();
    }

    internal static double RelativeDifference(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0, maxAbs = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            maxDiff = Math.Max(maxDiff, Math.Abs(expected[i] - actual[i]));
            maxAbs = Math.Max(maxAbs, Math.Abs(expected[i]));
        }
        return maxDiff / maxAbs;
    }

    [Fact]
    public void Step_Zero1ThreeRanksSmallBuckets_MatchesPlainDataParallel()
    {
        var plain = new InProcessGroup(3).Run(c => Train(c, zero: 0, steps: 3, DataParallel.PieceElements));
        var sharded = new InProcessGroup(3).Run(c => Train(c, zero: 1, steps: 3, SmallBucket));

        Assert.True(plain[0].Norms[0] > 0.1, $"the first gradient norm {plain[0].Norms[0]} must exceed the clip 0.1, so clipping is tested");
        for (int r = 0; r < 3; r++)
        {
            double weights = RelativeDifference(plain[0].Weights, sharded[r].Weights);
            Assert.True(weights < Tolerance, $"rank {r}: weights differ from plain data parallelism by {weights:E2} relative");
            // The global norm is √Σ‖g_r‖² of float32 shard norms against one float32 norm: rounding differs by ~1e-6.
            Assert.True(RelativeDifference(plain[0].Norms, sharded[r].Norms) < 1e-5,
                $"rank {r}: norms {string.Join(", ", sharded[r].Norms)} vs plain {string.Join(", ", plain[0].Norms)}");
        }
        // Guards the comparison: training moved the weights away from rank 0's start.
        using var start = new DecoderModel(Config);
        start.InitializeWeights(seed: 7);
        Assert.True(RelativeDifference(Weights(start), plain[0].Weights) > 1e-4);
    }

    [Fact]
    public void Constructor_Zero1TwoRanks_HoldsHalfTheStateAndOneBucketOfStaging()
    {
        var sizes = new InProcessGroup(2).Run(c =>
        {
            using var model = new DecoderModel(Config);
            using var optimizer = new FlatAdamW(model.named_parameters(), Adam, c, zero: 1, SmallBucket);
            return (optimizer.IsSharded, optimizer.ParameterCount, optimizer.Master.numel(), optimizer.ExpAvg.numel(),
                    optimizer.Gradient.numel(), optimizer.StagingElements);
        });
        foreach (var (isSharded, p, master, moment, gradient, staging) in sizes)
        {
            Assert.True(isSharded);
            Assert.True(p > 4 * SmallBucket, $"{p} parameters must span several buckets of {SmallBucket}");
            // Buckets of 2 blocks of ⌊4099 / 2⌋ = 2049: the shard is ⌈P / 2⌉ rounded up to whole blocks of the last bucket.
            Assert.Equal((p + 1) / 2, master);
            Assert.Equal(master, moment);
            Assert.Equal(master, gradient);   // the averaged gradient's shard; no full-size float32 copy
            Assert.Equal(2 * 2049, staging);  // one bucket
        }
    }

    // A bfloat16 model under ZeRO 1 gathers its parameters in bfloat16: rounding each shard before the gather gives the
    // bits rounding after it would, and without clipping every other number is computed as plain data parallelism
    // computes it (the reduce-scatter and the all-reduce add the ranks in the same order), so the weights are equal.
    [Fact]
    public void Step_Zero1Bfloat16ModelNoClipping_EqualsPlainDataParallelBitForBit()
    {
        (float[] Weights, bool Gathers16) Run(ICollective c, int zero)
        {
            using var model = new DecoderModel(Config);
            model.InitializeWeights(seed: 7 + c.Rank);
            model.to(ScalarType.BFloat16);
            using var optimizer = new FlatAdamW(model.named_parameters(), Adam, c, zero, SmallBucket);
            DataParallel.BroadcastMaster(optimizer, c);
            for (int step = 0; step < 3; step++)
            {
                using var scope = NewDisposeScope();
                var tokens = randint(0, Config.VocabSize, [2, 9], generator: new Generator((ulong)(1000 * step + c.Rank)));
                var logits = model.Forward(tokens[.., ..^1]).to(ScalarType.Float32);
                nn.functional.cross_entropy(logits.reshape(-1, Config.VocabSize), tokens[.., 1..].reshape(-1)).backward();
                optimizer.GatherGradients();
                optimizer.AverageGradients();
                optimizer.Step(3e-3, maxNorm: 0);
            }
            return (Weights(model), optimizer.GathersInBfloat16);
        }
        var plain = new InProcessGroup(2).Run(c => Run(c, zero: 0));
        var sharded = new InProcessGroup(2).Run(c => Run(c, zero: 1));
        for (int r = 0; r < 2; r++)
        {
            Assert.True(sharded[r].Gathers16);
            Assert.Equal(plain[0].Weights, sharded[r].Weights);
        }
        using var start = new DecoderModel(Config);
        start.InitializeWeights(seed: 7);
        start.to(ScalarType.BFloat16);
        Assert.True(RelativeDifference(Weights(start), plain[0].Weights) > 1e-3, "training must move the bfloat16 weights");
    }

    [Fact]
    public void Constructor_Zero1OneRank_KeepsTheWholeState()
    {
        using var model = new DecoderModel(Config);
        using var optimizer = new FlatAdamW(model.named_parameters(), Adam, new SingleProcessCollective(), zero: 1);
        Assert.False(optimizer.IsSharded);
        Assert.Equal(optimizer.ParameterCount, optimizer.Master.numel());
    }

    [Fact]
    public void Constructor_ZeroTwo_ThrowsNamingTheStages()
    {
        using var model = new DecoderModel(Config);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new FlatAdamW(model.named_parameters(), Adam, null, zero: 2));
        Assert.Contains("must be 0", e.Message);
    }

    [Fact]
    public void FullState_UnknownName_ThrowsListingTheNames()
    {
        using var model = new DecoderModel(Config);
        using var optimizer = new FlatAdamW(model.named_parameters(), Adam);
        var e = Assert.Throws<ArgumentException>(() => optimizer.FullState("momentum"));
        Assert.Contains("exp_avg_sq", e.Message);
    }
}
