using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Event;
using Akka.Serialization;
using ReMiT.Cluster.Messages;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Tests.Messages.Serialization;

/// <summary>Test-only messages that a <see cref="RogueSerializer"/> turns into bad payloads.</summary>
public sealed record UnknownProbe : IRemitMessage;

public sealed record CorruptProbe : IRemitMessage;

public sealed record OversizedProbe : IRemitMessage;

/// <summary>
/// Stands in for <see cref="RemitSerializer"/> (same id) on a misbehaving node: the probes go out as
/// a manifest the receiver lacks, as a truncated RolloutsDone and as an over-cap RlStepBatch; every
/// other message is serialized by a real <see cref="RemitSerializer"/>.
/// </summary>
public sealed class RogueSerializer : SerializerWithStringManifest
{
    private readonly RemitSerializer _real;

    public RogueSerializer(ExtendedActorSystem system, Akka.Configuration.Config config) : base(system) => _real = new RemitSerializer(system, config);

    public override string Manifest(object o) => o switch
    {
        UnknownProbe => nameof(UnknownProbe),
        CorruptProbe => nameof(RolloutsDone),
        OversizedProbe => nameof(RlStepBatch),
        _ => _real.Manifest(o),
    };

    public override byte[] ToBinary(object obj) => obj switch
    {
        UnknownProbe => [0x90],
        CorruptProbe => _real.ToBinary(RandomMessages.Create<RolloutsDone>(new Random(3)))[..20],
        OversizedProbe => new byte[RemitHocon.MaxMessageBytes + 1],
        _ => _real.ToBinary(obj),
    };

    public override object FromBinary(byte[] bytes, string manifest) => _real.FromBinary(bytes, manifest);
}

/// <summary>Writes what it receives to a channel; reassembles chunked messages first, as a real role actor does.</summary>
public sealed class SinkActor : ReceiveActor
{
    public SinkActor(ChannelWriter<object> output, StrongBox<int> chunksSeen)
    {
        var assembler = new ChunkAssembler(log: Context.GetLogger());
        Receive<MessageChunk>(chunk =>
        {
            chunksSeen.Value++;
            if (assembler.Add(chunk) is { } whole)
                Self.Forward(whole);
        });
        ReceiveAny(m => output.TryWrite(m));
    }
}

/// <summary>Forwards event-stream events (log lines, remoting lifecycle) to a channel.</summary>
public sealed class EventsActor : ReceiveActor
{
    public EventsActor(ChannelWriter<object> output) => ReceiveAny(m => output.TryWrite(m));
}
