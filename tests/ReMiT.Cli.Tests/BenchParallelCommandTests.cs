using System.Text.Json.Nodes;
using ReMiT.Model.Checkpoints;
using static TorchSharp.torch;

namespace ReMiT.Cli.Tests;

/// <summary>
/// <c>remit bench allreduce|dp</c> over two real Open MPI processes: the C binding sums and
/// broadcasts exactly, and data-parallel training ends where one process ends.
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
        Assert.Equal(0, result["ranks_failing_check"]!.GetValue<int>());
        Assert.True(result["bus_bandwidth"]!.GetValue<double>() > 0);
    }

    [Fact]
    public void BenchAllreduce_OneProcess_RunsWithoutMpi()
    {
        var (exit, output, error) = _h.Run("bench", "allreduce", "--mb", "1", "--iters", "2", "--json");

        Assert.True(exit == 0, error);
        Assert.Equal(1, JsonNode.Parse(MpiRun.LastJson(output))!["ranks"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("--weighting", "uniform")]
    [InlineData("--weighting", "remit")]
    [InlineData("--grpo", "true")]
    public void BenchDp_TwoRanksUnderMpirun_MatchesOneProcess(string option, string value)
    {
        string one = _h.PathOf("one.safetensors"), two = _h.PathOf("two.safetensors");
        string[] common = ["bench", "dp", "--steps", "3", "--json", option, value];

        var (exit1, _, error1) = _h.Run([.. common, "--out", one]);
        var (exit2, output2, error2) = MpiRun.Remit(2, [.. common, "--out", two]);

        Assert.True(exit1 == 0, error1);
        Assert.True(exit2 == 0, $"exit {exit2}\n{output2}\n{error2}");
        Assert.Equal(2, JsonNode.Parse(MpiRun.LastJson(output2))!["ranks"]!.GetValue<int>());
        using var scope = NewDisposeScope();
        var a = SafeTensorsFile.Load(one);
        var b = SafeTensorsFile.Load(two);
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        double maxDiff = a.Keys.Max(k => (a[k] - b[k]).abs().max().item<float>());
        double maxAbs = a.Values.Max(t => t.abs().max().item<float>());
        Assert.True(maxDiff / maxAbs < Tolerance, $"max |a-b| / max |a| = {maxDiff / maxAbs:E2} (max |a-b| {maxDiff:E2})");
    }
}
