using System.Collections.Concurrent;
using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Remote;
using Akka.Serialization;
using ReMiT.Cluster.Metrics;

namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// The Akka serializer for every <see cref="IRemitMessage"/> (bound by <see cref="RemitHocon"/>):
/// the manifest is the message type's short name, the body MessagePack read as untrusted data, and
/// both directions refuse payloads above <see cref="MaxMessageBytes"/> (send big batches with
/// <see cref="Chunker.Tell"/>).
/// <para>
/// A payload this node cannot read (unknown manifest, malformed or oversized bytes) makes
/// <see cref="FromBinary"/> throw <see cref="SerializationException"/>. Akka.Remote's EndpointReader
/// catches any exception from deserialization, logs one warning with the serializer id, manifest and
/// our message, drops the message and keeps the association up (Akka.Remote/Endpoint.cs,
/// <c>EndpointReader.Reading</c> → <c>LogTransientSerializationError</c>, since akkadotnet/akka.net#5971);
/// <c>RemotingTests.FromBinary_UnknownCorruptAndOversizedOverRemoting_…</c> shows it on 1.5.74. So we
/// throw rather than hand actors a sentinel, and raise <see cref="Dropped"/> so the node counts it in
/// <c>remit_messages_dropped_total</c>. Serialization failures are <see cref="SerializationException"/>s
/// too: <c>EndpointWriter.WriteSend</c> logs those (and ArgumentException) as transient and keeps the
/// association, while other exceptions fail the endpoint (as read in 1.5.30; akka.net#7923 widens this later).
/// </para>
/// </summary>
public sealed class RemitSerializer : SerializerWithStringManifest
{
    private readonly RemitCodec _codec;
    private readonly ConcurrentDictionary<string, long> _drops = new(StringComparer.Ordinal);

    /// <summary>Used by Akka when <c>akka.actor.serialization-settings.remit</c> is absent.</summary>
    public RemitSerializer(ExtendedActorSystem system) : this(system, ConfigurationFactory.Empty)
    {
    }

    /// <summary>Used by Akka with <c>akka.actor.serialization-settings.remit</c> (<c>max-message-bytes</c>, <c>max-depth</c>).</summary>
    public RemitSerializer(ExtendedActorSystem system, Config config) : base(system)
    {
        MaxMessageBytes = (int)(config.GetByteSize("max-message-bytes", null) ?? RemitHocon.MaxMessageBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessageBytes, 1);
        _codec = new RemitCodec(MessageRegistry.Default, config.GetInt("max-depth", RemitCodec.DefaultMaxDepth));
        CheckFitsFrame(system, MaxMessageBytes);
    }

    /// <summary>Largest payload this serializer writes or reads, in bytes.</summary>
    public int MaxMessageBytes { get; }

    /// <summary>Raised once per refused inbound payload with (reason, manifest); reason is one of <see cref="DropReasons"/>.</summary>
    public event Action<string, string>? Dropped;

    /// <summary>Inbound payloads refused so far, per reason (a copy).</summary>
    public IReadOnlyDictionary<string, long> DropCounts => new Dictionary<string, long>(_drops);

    /// <summary>The serializer <paramref name="system"/> uses for ReMiT messages.</summary>
    /// <exception cref="InvalidOperationException">The system was started without <see cref="RemitHocon.Config"/>.</exception>
    public static RemitSerializer For(ActorSystem system) =>
        system.Serialization.FindSerializerForType(typeof(IRemitMessage)) as RemitSerializer
        ?? throw new InvalidOperationException(
            $"ActorSystem '{system.Name}' does not serialize IRemitMessage with RemitSerializer; include RemitHocon.Config in its configuration.");

    /// <summary>
    /// Counts every refused payload in <c>remit_messages_dropped_total{reason}</c>: ours, and those claiming
    /// Akka's default serializer (<see cref="NonProtocolSerializer"/>, reason <c>not_protocol</c>).
    /// </summary>
    public void CountDropsIn(RemitMetrics metrics)
    {
        Dropped += (reason, _) => metrics.MessagesDropped.WithLabels(reason).Inc();
        if (system.Serialization.FindSerializerForType(typeof(object)) is NonProtocolSerializer refusing)
            refusing.Refused += _ => metrics.MessagesDropped.WithLabels(DropReasons.NotProtocol).Inc();
    }

    public override string Manifest(object o) => _codec.ManifestOf(o);

    public override byte[] ToBinary(object obj)
    {
        byte[] bytes = _codec.Serialize(obj);
        if (bytes.Length > MaxMessageBytes)
            throw new SerializationException(
                $"{obj.GetType().Name} serializes to {bytes.Length:N0} bytes, above MaxMessageBytes = {MaxMessageBytes:N0} " +
                "(the remote frame must hold it); send it with Chunker.Tell, which splits it into MessageChunks.");
        return bytes;
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        var result = _codec.Deserialize(bytes, manifest, MaxMessageBytes);
        if (result.Message is { } message)
            return message;
        _drops.AddOrUpdate(result.Reason, 1, (_, n) => n + 1);
        Dropped?.Invoke(result.Reason, manifest);
        throw new SerializationException($"ReMiT message [{manifest}] dropped ({result.Reason}): {result.Detail}.");
    }

    // A message that fits our cap but not the transport's frame would be discarded by Akka.Remote far
    // from its sender; refuse the combination when the system starts instead.
    private static void CheckFitsFrame(ExtendedActorSystem system, int maxMessageBytes)
    {
        if (system.Provider is not IRemoteActorRefProvider)
            return;
        long? frame = system.Settings.Config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size", null);
        if (frame is { } f && maxMessageBytes + RemitHocon.EnvelopeMarginBytes > f)
            throw new ConfigurationException(
                $"RemitSerializer max-message-bytes = {maxMessageBytes:N0} leaves less than {RemitHocon.EnvelopeMarginBytes:N0} bytes for Akka's envelope " +
                $"in akka.remote.dot-netty.tcp.maximum-frame-size = {f:N0}; raise the frame size or lower max-message-bytes (RemitHocon sets both).");
    }
}
