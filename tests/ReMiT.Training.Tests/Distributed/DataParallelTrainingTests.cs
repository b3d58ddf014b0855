using ReMiT.Model;
using ReMiT.Training.Benchmarks;
using ReMiT.Training.Rl;
using static TorchSharp.torch;

namespace ReMiT.Training.Tests.Distributed;

/// <summary>
/// Two in-process ranks must train to the weights one process reaches on the same global batch:
/// rows are split, losses renormalised to global token counts and gradients averaged.
/// </summary>
public sealed class DataParallelTrainingTests
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData("uniform", false, LossNormalization.Token)]
    [InlineData("remit", false, LossNormalization.Token)]
    [InlineData("uniform", true, LossNormalization.Token)]
    [InlineData("uniform", true, LossNormalization.Sequence)]
    public void Run_TwoRanks_MatchesOneProcess(string weighting, bool grpo, LossNormalization grpoNormalization)
    {
        var options = new DataParallelBenchmarkOptions(ModelPresets.Get("smoke"), Steps: 3, Weighting: weighting, Grpo: grpo,
                                                       GrpoNormalization: grpoNormalization);
        using var single = DataParallelBenchmark.Run(options, collective: null, TextWriter.Null);
        var ranks = new InProcessGroup(2).Run(c => DataParallelBenchmark.Run(options, c, TextWriter.Null));
        try
        {
            Assert.Equal(single.Tokens, ranks[0].Tokens);
            foreach (var rank in ranks)
                Assert.True(RelativeDifference(single.Tensors, rank.Tensors) < Tolerance,
                    $"rank {Array.IndexOf(ranks, rank)}: max |a−b| / max |a| = {RelativeDifference(single.Tensors, rank.Tensors):E2}");
        }
        finally
        {
            foreach (var r in ranks) r.Dispose();
        }
    }

    [Theory]
    [InlineData("remit", false)]
    [InlineData("uniform", true)]
    public void Run_TwoRanksZero1_MatchesPlainDataParallel(string weighting, bool grpo)
    {
        // Through the real loops (TokenTrainer with its checkpoint, GrpoLearner); the mpirun twin is in ReMiT.Cli.Tests.
        var options = new DataParallelBenchmarkOptions(ModelPresets.Get("smoke"), Steps: 3, Weighting: weighting, Grpo: grpo);
        var plain = new InProcessGroup(2).Run(c => DataParallelBenchmark.Run(options, c, TextWriter.Null));
        var sharded = new InProcessGroup(2).Run(c => DataParallelBenchmark.Run(options with { Zero = 1 }, c, TextWriter.Null));
        try
        {
            foreach (var rank in sharded)
                Assert.True(RelativeDifference(plain[0].Tensors, rank.Tensors) < 1e-6,
                    $"rank {Array.IndexOf(sharded, rank)}: max |a−b| / max |a| = {RelativeDifference(plain[0].Tensors, rank.Tensors):E2}");
        }
        finally
        {
            foreach (var r in plain.Concat(sharded)) r.Dispose();
        }
    }

    [Fact]
    public void Run_TwoRanks_ChangesWeightsFromInitialisation()
    {
        // Guards the test above: equal results must come from training, not from steps that do nothing.
        var options = new DataParallelBenchmarkOptions(ModelPresets.Get("smoke"), Steps: 1);
        using var one = DataParallelBenchmark.Run(options, collective: null, TextWriter.Null);
        using var three = DataParallelBenchmark.Run(options with { Steps = 3 }, collective: null, TextWriter.Null);
        Assert.True(RelativeDifference(one.Tensors, three.Tensors) > 1e-4);
    }

    private static double RelativeDifference(IReadOnlyDictionary<string, Tensor> a, IReadOnlyDictionary<string, Tensor> b)
    {
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        double maxDiff = a.Keys.Max(k => (a[k] - b[k]).abs().max().item<float>());
        double maxAbs = a.Values.Max(t => t.abs().max().item<float>());
        return maxDiff / maxAbs;
    }
}
