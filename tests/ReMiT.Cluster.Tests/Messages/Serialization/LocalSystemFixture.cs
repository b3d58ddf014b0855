using Akka.Actor;
using Akka.Configuration;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Tests.Messages.Serialization;

/// <summary>One local ActorSystem with <see cref="RemitHocon.Config"/>, shared by a test class.</summary>
public sealed class LocalSystemFixture : IDisposable
{
    public LocalSystemFixture()
    {
        System = ActorSystem.Create("serde-local", ConfigurationFactory.ParseString("akka.loglevel = WARNING").WithFallback(RemitHocon.Config));
        Serializer = RemitSerializer.For(System);
    }

    public ActorSystem System { get; }

    public RemitSerializer Serializer { get; }

    /// <summary>A second serializer on the same system with its own cap.</summary>
    public RemitSerializer WithCap(int maxMessageBytes) =>
        new((ExtendedActorSystem)System, ConfigurationFactory.ParseString($"max-message-bytes = {maxMessageBytes}b"));

    public void Dispose() => System.Terminate().Wait(TimeSpan.FromSeconds(10));
}
