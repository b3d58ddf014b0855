using ReMiT.Cluster.Benchmarks;

namespace ReMiT.Cluster.Tests.Benchmarks;

public sealed class MessageBenchmarkTests
{
    [Theory]
    [InlineData(8, 32, false, false)]
    [InlineData(512, 4, true, false)]
    [InlineData(8, 32, false, true)]
    public void Run_ShortRunOverLoopback_PullsBatches(int rollouts, int window, bool chunked, bool tls)
    {
        // Long enough for a 1.3 MB chunked batch to cross even while CI runs the multi-process cluster tests beside it.
        var result = MessageBenchmark.Run(rollouts, promptTokens: 64, completionTokens: 256, window, seconds: 3, warmupSeconds: 1, tls: tls);
        Assert.Equal(chunked, result.Chunked);
        Assert.Equal(tls, result.Tls);
        Assert.True(result.Messages > 0, $"no batch arrived: {result}");
        Assert.True(result.CpuMicrosecondsPerMessage > 0, $"no CPU time measured: {result}");
        Assert.Equal(result.Messages * (double)result.MessageBytes / result.Seconds / 1e6, result.MegabytesPerS, 6);
    }
}
