using System.Text.Json.Nodes;
using ReMiT.Model.Checkpoints;
using static TorchSharp.torch;

namespace ReMiT.Cli.Tests;

/// <summary>
/// <c>remit bench allreduce|dp</c> over two real Open MPI processes: the C binding sums, broadcasts,
/// reduce-scatters and all-gathers exactly, data-parallel training ends where one process ends, and ZeRO-1 where plain
/// data parallelism ends.
/// </summary>
public sealed class BenchParallelCommandTests : IDisposable
{
    private const double Tolerance = 1e-5;
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Fact]
    public void BenchAllreduce_TwoRanksUnderMpirun_SumAndBroadcastExactOnEveryRank()
    {
        var (exit, output, error) = MpiRun.Remit(2, "bench", "allreduce", "--mb", "4", "--iters", "3", "--json");

        Assert.True(exit == 0, $"exit {exit}\n{output}\n{error}");
        var result = JsonNode.Parse(MpiRun.LastJson(output))!;
        Assert.Equal(2, result["ranks"]!.GetValue<int>());
        Assert.Equal(0, result["ranks_failing_check"]!.GetValue<int>()); // sum, broadcast, reduce-scatter and all-gather
        Assert.True(result["bus_bandwidth"]!.GetValue<double>() > 0);
        Assert.True(result["sharded_bus_bandwidth"]!.GetValue<double>() > 0);
    }

    [Fact]
    public void BenchAllreduce_OneProcess_RunsWithoutMpi()
    {
        var (exit, output, error) = _h.Run("bench", "allreduce", "--mb", "1", "--iters", "2", "--json");

        Assert.True(exit == 0, error);
        Assert.Equal(1, JsonNode.Parse(MpiRun.LastJson(output))!["ranks"]!.GetValue<int>());
    }

    // Pre-training, ReMiT mid-training (with its guide) and GRPO: two ranks end where one process ends, and ZeRO-1 on
    // two ranks ends where plain data parallelism on two ranks ends (< 1e-6 relative; the same sums, so only the norm's
    // rounding differs).
    [Theory]
    [InlineData("--weighting", "uniform")]
    [InlineData("--weighting", "remit")]
    [InlineData("--grpo", "true")]
    public void BenchDp_TwoRanksUnderMpirun_MatchesOneProcessAndZero1MatchesZero0(string option, string value)
    {
        string one = _h.PathOf("one.safetensors"), two = _h.PathOf("two.safetensors"), zero1 = _h.PathOf("two-zero1.safetensors");
        string[] common = ["bench", "dp", "--steps", "3", "--json", option, value];

        var (exit1, _, error1) = _h.Run([.. common, "--out", one]);
        var (exit2, output2, error2) = MpiRun.Remit(2, [.. common, "--out", two]);
        var (exit3, output3, error3) = MpiRun.Remit(2, [.. common, "--zero", "1", "--out", zero1]);

        Assert.True(exit1 == 0, error1);
        Assert.True(exit2 == 0, $"exit {exit2}\n{output2}\n{error2}");
        Assert.True(exit3 == 0, $"exit {exit3}\n{output3}\n{error3}");
        Assert.Equal(2, JsonNode.Parse(MpiRun.LastJson(output2))!["ranks"]!.GetValue<int>());
        var sharded = JsonNode.Parse(MpiRun.LastJson(output3))!;
        Assert.Equal((2, 1), (sharded["ranks"]!.GetValue<int>(), sharded["zero"]!.GetValue<int>()));
        Assert.True(RelativeDifference(one, two) < Tolerance, $"2 ranks vs 1 process: {RelativeDifference(one, two):E2} relative");
        Assert.True(RelativeDifference(two, zero1) < 1e-6, $"ZeRO-1 vs ZeRO-0 on 2 ranks: {RelativeDifference(two, zero1):E2} relative");
    }

    // A bfloat16 model: ZeRO-1 all-gathers the parameters in bfloat16 (each rank rounds its shard of the masters, the
    // bits plain data parallelism gets by rounding the whole). GRPO steps here without clipping, so nothing else differs
    // either — with 2 ranks both reductions are one commutative float32 addition — and the files are equal.
    [Fact]
    public void BenchDp_Bfloat16GrpoTwoRanksUnderMpirun_Zero1EqualsZero0Exactly()
    {
        string zero0 = _h.PathOf("bf16-zero0.safetensors"), zero1 = _h.PathOf("bf16-zero1.safetensors");
        string[] common = ["bench", "dp", "--steps", "3", "--json", "--grpo", "true", "--dtype", "bfloat16"];

        var (exit0, output0, error0) = MpiRun.Remit(2, [.. common, "--out", zero0]);
        var (exit1, output1, error1) = MpiRun.Remit(2, [.. common, "--zero", "1", "--out", zero1]);

        Assert.True(exit0 == 0, $"exit {exit0}\n{output0}\n{error0}");
        Assert.True(exit1 == 0, $"exit {exit1}\n{output1}\n{error1}");
        Assert.Equal("bf16", JsonNode.Parse(MpiRun.LastJson(output1))!["dtype"]!.GetValue<string>());
        Assert.Equal(0.0, RelativeDifference(zero0, zero1));
    }

    [Fact]
    public void BenchDp_ZeroTwo_FailsNamingTheOption()
    {
        var (exit, _, error) = _h.Run("bench", "dp", "--zero", "2");
        Assert.NotEqual(0, exit);
        Assert.Contains("--zero must be 0 or 1, got 2", error);
    }

    // max |a − b| / max |a| over every tensor of two safetensors files with the same names.
    private static double RelativeDifference(string pathA, string pathB)
    {
        using var scope = NewDisposeScope();
        var a = SafeTensorsFile.Load(pathA);
        var b = SafeTensorsFile.Load(pathB);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        double maxDiff = a.Keys.Max(k => (a[k] - b[k]).abs().max().item<float>());
        double maxAbs = a.Values.Max(t => t.abs().max().item<float>());
        return maxDiff / maxAbs;
    }
}
