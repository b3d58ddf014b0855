using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Configuration;
using Akka.Event;
using Akka.Remote;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;
using ReMiT.Cluster.Metrics;

namespace ReMiT.Cluster.Tests.Messages.Serialization;

/// <summary>
/// Four remoting ActorSystems on 127.0.0.1 (random free ports): a receiver, a well-behaved sender, a
/// rogue one, and one that still has Akka's default JSON serializer (as any stranger may).
/// </summary>
public sealed class RemotingFixture : IDisposable
{
    public RemotingFixture()
    {
        Receiver = ActorSystem.Create("receiver", Node());
        Sender = ActorSystem.Create("sender", Node());
        Rogue = ActorSystem.Create("rogue", Node($$"""
            akka.actor.serializers.remit = "{{typeof(RogueSerializer).FullName}}, {{typeof(RogueSerializer).Assembly.GetName().Name}}"
            akka.actor.serialization-identifiers { "{{typeof(RogueSerializer).FullName}}, {{typeof(RogueSerializer).Assembly.GetName().Name}}" = {{RemitHocon.SerializerId}} }
            """));
        JsonRogue = ActorSystem.Create("json-rogue", Node("""
            akka.actor.serializers.json = "Akka.Serialization.NewtonSoftJsonSerializer, Akka"
            akka.suppress-json-serializer-warning = on
            """));
        Metrics = new RemitMetrics();
        RemitSerializer.For(Receiver).CountDropsIn(Metrics);
    }

    public ActorSystem Receiver { get; }
    public ActorSystem Sender { get; }
    public ActorSystem Rogue { get; }
    public ActorSystem JsonRogue { get; }
    public RemitMetrics Metrics { get; }

    public Address ReceiverAddress => ((ExtendedActorSystem)Receiver).Provider.DefaultAddress;

    private static Config Node(string extra = "") => ConfigurationFactory.ParseString($$"""
        akka.actor.provider = remote
        akka.remote.dot-netty.tcp { hostname = 127.0.0.1, port = 0 }
        akka.loglevel = WARNING
        {{extra}}
        """).WithFallback(RemitHocon.Config);

    public void Dispose() => Task.WaitAll([JsonRogue.Terminate(), Rogue.Terminate(), Sender.Terminate(), Receiver.Terminate()], TimeSpan.FromSeconds(20));
}

public sealed class RemotingTests(RemotingFixture nodes) : IClassFixture<RemotingFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task FromBinary_UnknownCorruptAndOversizedOverRemoting_DropsLogsCountsAndKeepsTheAssociation()
    {
        var (sink, received, _) = StartSink("sink-bad");
        var events = Channel.CreateUnbounded<object>();
        var listener = nodes.Receiver.ActorOf(Props.Create(() => new EventsActor(events.Writer)));
        nodes.Receiver.EventStream.Subscribe(listener, typeof(Warning));
        nodes.Receiver.EventStream.Subscribe(listener, typeof(DisassociatedEvent));
        nodes.Receiver.EventStream.Subscribe(listener, typeof(AssociationErrorEvent));
        var before = RemitSerializer.For(nodes.Receiver).DropCounts;

        var remote = await nodes.Rogue.ActorSelection(new RootActorPath(nodes.ReceiverAddress) / "user" / "sink-bad").ResolveOne(Patience);
        remote.Tell(new RequestWork(WorkKinds.Rollout, 1));
        Assert.Equal(new RequestWork(WorkKinds.Rollout, 1), await Next(received));

        remote.Tell(new UnknownProbe());
        remote.Tell(new CorruptProbe());
        remote.Tell(new OversizedProbe());
        remote.Tell(new RequestWork(WorkKinds.Rollout, 2));

        Assert.Equal(new RequestWork(WorkKinds.Rollout, 2), await Next(received));
        var after = RemitSerializer.For(nodes.Receiver).DropCounts;
        foreach (var reason in new[] { DropReasons.UnknownManifest, DropReasons.Malformed, DropReasons.Oversized })
        {
            Assert.Equal(1, after.GetValueOrDefault(reason) - before.GetValueOrDefault(reason));
            Assert.True(nodes.Metrics.MessagesDropped.WithLabels(reason).Value >= 1);
        }

        // Exactly one log line per drop (Akka's EndpointReader warning, carrying our reason), and no disassociation.
        await Task.Delay(500);
        nodes.Receiver.EventStream.Unsubscribe(listener);
        var seen = new List<object>();
        while (events.Reader.TryRead(out var e))
            seen.Add(e);
        Assert.DoesNotContain(seen, e => e is DisassociatedEvent or AssociationErrorEvent);
        var warnings = seen.OfType<Warning>().Select(w => w.ToString()).ToList();
        Assert.Single(warnings, w => w.Contains("manifest [UnknownProbe]") && w.Contains("(unknown_manifest)"));
        Assert.Single(warnings, w => w.Contains("manifest [RolloutsDone]") && w.Contains("(malformed)"));
        Assert.Single(warnings, w => w.Contains("manifest [RlStepBatch]") && w.Contains("(oversized)"));
        Assert.Contains(warnings, w => w.Contains("association remains live"));
        Assert.Equal(3, warnings.Count(w => w.Contains("Deserialization failed")));
        nodes.Receiver.Stop(sink);
    }

    [Fact]
    public async Task Tell_NonProtocolObjectWithAkkasJsonSerializer_IsRefusedCountedAndTheAssociationStays()
    {
        var (sink, received, _) = StartSink("sink-json");
        var refusing = Assert.IsType<NonProtocolSerializer>(nodes.Receiver.Serialization.FindSerializerForType(typeof(object)));
        long before = refusing.RefusedCount;
        var remote = await nodes.JsonRogue.ActorSelection(new RootActorPath(nodes.ReceiverAddress) / "user" / "sink-json").ResolveOne(Patience);

        remote.Tell(new NotAProtocolMessage("/etc/passwd", 3));   // goes out as JSON with its .NET type name, serializer id 1
        remote.Tell(new RequestWork(WorkKinds.Rollout, 7));        // a protocol message on the same association

        Assert.Equal(new RequestWork(WorkKinds.Rollout, 7), await Next(received));
        Assert.Equal(1, refusing.RefusedCount - before);
        Assert.True(nodes.Metrics.MessagesDropped.WithLabels(DropReasons.NotProtocol).Value >= 1);
        Assert.False(received.TryRead(out var extra), $"the sink got {extra}");
        nodes.Receiver.Stop(sink);
    }

    [Fact]
    public void Serialization_JsonPayloadUnderAkkasJsonId_IsRefused_AndNonProtocolTypesFailOnTheSender()
    {
        var message = new NotAProtocolMessage("/etc/passwd", 1);
        var json = nodes.JsonRogue.Serialization.FindSerializerFor(message);
        Assert.Equal(NonProtocolSerializer.Id, json.Identifier);   // what a stranger's node writes for it
        byte[] bytes = json.ToBinary(message);

        var refused = Assert.Throws<System.Runtime.Serialization.SerializationException>(
            () => nodes.Receiver.Serialization.Deserialize(bytes, NonProtocolSerializer.Id, typeof(NotAProtocolMessage).AssemblyQualifiedName!));
        Assert.Contains("decodes only ReMiT protocol messages", refused.Message);

        var serializer = nodes.Sender.Serialization.FindSerializerFor(message);
        Assert.IsType<NonProtocolSerializer>(serializer);
        var error = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.ToBinary(message));
        Assert.Contains(typeof(NotAProtocolMessage).FullName!, error.Message);
        Assert.Contains("IRemitMessage", error.Message);
    }

    [Fact]
    public async Task ChunkerTell_BatchesAboveTheCap_ArriveWholeOverRemoting()
    {
        var (sink, received, chunksSeen) = StartSink("sink-big");
        var remote = await nodes.Sender.ActorSelection(new RootActorPath(nodes.ReceiverAddress) / "user" / "sink-big").ResolveOne(Patience);
        var rollouts = BigRollouts(1_400, new Random(11));
        IRemitMessage[] batches = [new RlStepBatch("rl:remit", 4, rollouts), new RolloutsDone(99, "rl:remit", 4, rollouts[..1_300])];
        foreach (var batch in batches)
        {
            int size = RemitCodec.Default.Serialize(batch).Length;
            Assert.True(size > RemitHocon.MaxMessageBytes, $"{batch.GetType().Name} is only {size:N0} bytes");
            Chunker.Tell(remote, batch, ActorRefs.NoSender);
            DeepEqual.Assert(batch, await Next(received));
        }
        Assert.True(chunksSeen.Value >= 8, $"{chunksSeen.Value} chunks");

        // Small messages go whole.
        int chunksBefore = chunksSeen.Value;
        var small = new RolloutsDone(5, "rl", 1, rollouts[..8]);
        Chunker.Tell(remote, small, ActorRefs.NoSender);
        DeepEqual.Assert(small, await Next(received));
        Assert.Equal(chunksBefore, chunksSeen.Value);
        nodes.Receiver.Stop(sink);
    }

    [Fact]
    public async Task Tell_BatchAboveTheCapWithoutChunker_IsRefusedBySenderAndTheAssociationStays()
    {
        var (sink, received, _) = StartSink("sink-plain");
        var remote = await nodes.Sender.ActorSelection(new RootActorPath(nodes.ReceiverAddress) / "user" / "sink-plain").ResolveOne(Patience);
        var events = Channel.CreateUnbounded<object>();
        var listener = nodes.Sender.ActorOf(Props.Create(() => new EventsActor(events.Writer)));
        nodes.Sender.EventStream.Subscribe(listener, typeof(Error));

        remote.Tell(new RlStepBatch("rl", 1, BigRollouts(1_400, new Random(12))));
        remote.Tell(new StageCompleted("after"));

        Assert.Equal(new StageCompleted("after"), await Next(received));
        var error = (Error)await Next(events);
        Assert.Contains("RlStepBatch serializes to", error.Cause?.Message);
        Assert.Contains("Chunker.Tell", error.Cause?.Message);
        nodes.Sender.EventStream.Unsubscribe(listener);
        nodes.Receiver.Stop(sink);
    }

    [Fact]
    public async Task ChunkerTell_LocalTarget_SendsTheMessageItself()
    {
        var (sink, received, chunksSeen) = StartSink("sink-local");
        var batch = new RlStepBatch("rl", 1, BigRollouts(1_400, new Random(13)));
        Chunker.Tell(sink, batch, ActorRefs.NoSender);
        Assert.Same(batch, await Next(received));
        Assert.Equal(0, chunksSeen.Value);
        nodes.Receiver.Stop(sink);
    }

    /// <summary>Any plain object a stranger might send for Akka's JSON serializer to build.</summary>
    public sealed record NotAProtocolMessage(string Path, int Count);

    internal static RolloutRecord[] BigRollouts(int count, Random rng) =>
        Enumerable.Range(0, count).Select(i => new RolloutRecord(
            i / 8, RandomTokens(rng, 64), RandomTokens(rng, 256),
            Enumerable.Range(0, 256).Select(_ => (float)(-rng.NextDouble() * 5)).ToArray(), 3, true, 0.5, i % 3 == 0)).ToArray();

    private static int[] RandomTokens(Random rng, int n) => Enumerable.Range(0, n).Select(_ => rng.Next(151_936)).ToArray();

    private (IActorRef Sink, ChannelReader<object> Received, StrongBox<int> ChunksSeen) StartSink(string name)
    {
        var channel = Channel.CreateUnbounded<object>();
        var chunks = new StrongBox<int>();
        var sink = nodes.Receiver.ActorOf(Props.Create(() => new SinkActor(channel.Writer, chunks)), name);
        return (sink, channel.Reader, chunks);
    }

    private static async Task<object> Next(ChannelReader<object> reader)
    {
        using var timeout = new CancellationTokenSource(Patience);
        return await reader.ReadAsync(timeout.Token);
    }
}
