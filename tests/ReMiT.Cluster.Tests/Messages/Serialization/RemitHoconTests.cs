using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Tests.Messages.Serialization;

public sealed class RemitHoconTests
{
    private static Config ClusterNode(string extra = "") => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = WARNING
        {{extra}}
        """).WithFallback(RemitHocon.Config);

    [Fact]
    public async Task FindSerializerFor_EveryMessageTypeOnAClusterNode_IsRemitSerializerWithFixedId()
    {
        using var system = ActorSystem.Create("hocon", ClusterNode());
        try
        {
            var rng = new Random(1);
            foreach (var type in MessageRegistry.Default.Types)
            {
                var serializer = system.Serialization.FindSerializerFor(RandomMessages.Create(type, rng));
                Assert.IsType<RemitSerializer>(serializer);
                Assert.Equal(RemitHocon.SerializerId, serializer.Identifier);
            }
            Assert.Equal(RemitHocon.MaxMessageBytes, RemitSerializer.For(system).MaxMessageBytes);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Config_SetsFrameSizeBuffersAndSplitBrainResolverExplicitly()
    {
        using var system = ActorSystem.Create("hocon-sbr", ClusterNode());
        try
        {
            var config = system.Settings.Config;
            Assert.Equal(RemitHocon.MaximumFrameSizeBytes, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
            Assert.Equal(RemitHocon.MaximumFrameSizeBytes, config.GetByteSize("akka.remote.dot-netty.tcp.send-buffer-size"));
            Assert.Equal(RemitHocon.MaximumFrameSizeBytes, config.GetByteSize("akka.remote.dot-netty.tcp.receive-buffer-size"));
            Assert.True(RemitHocon.MaxMessageBytes + RemitHocon.EnvelopeMarginBytes <= RemitHocon.MaximumFrameSizeBytes);
            Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
            Assert.Equal(RemitHocon.SplitBrainStableAfter, config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
            Assert.Equal(typeof(Akka.Cluster.SBR.SplitBrainResolverProvider), Akka.Cluster.Cluster.Get(system).Settings.DowningProviderType);
        }
        finally
        {
            await system.Terminate();
        }
    }

    [Fact]
    public async Task Create_FrameTooSmallForTheCap_FailsAtStartupNamingBothSettings()
    {
        var ex = await Record.ExceptionAsync(() => ActorSystem.Create("hocon-small-frame",
            ClusterNode("akka.remote.dot-netty.tcp.maximum-frame-size = 1000000b")).Terminate());
        Assert.NotNull(ex);
        var messages = string.Join(" | ", Chain(ex));
        Assert.Contains("max-message-bytes = 3,145,728", messages);
        Assert.Contains("maximum-frame-size = 1,000,000", messages);
    }

    private static IEnumerable<string> Chain(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
            yield return ex.Message;
    }
}
