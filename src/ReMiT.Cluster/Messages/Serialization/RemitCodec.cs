using System.Runtime.CompilerServices;
using System.Runtime.Serialization;
using MessagePack;

namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// Bytes ↔ <see cref="IRemitMessage"/>: MessagePack (array form, explicit keys) read with
/// <see cref="MessagePackSecurity.UntrustedData"/> and a small object-graph depth, no compression
/// (LZ4 was measured and saved 1–3% on rollout batches at 1.3–3× the encode time; see bench/RESULTS.md).
/// Decoding never throws: it answers a <see cref="DecodeResult"/> with a drop reason instead, so the
/// serializer and the chunk assembler can count and report the drop their own way.
/// </summary>
internal sealed class RemitCodec
{
    /// <summary>Our messages nest three deep (message → record array → record); 16 leaves room for new shapes.</summary>
    public const int DefaultMaxDepth = 16;

    private static readonly Lazy<RemitCodec> LazyDefault = new(() => new RemitCodec(MessageRegistry.Default));

    // Bytes already computed for a message instance (by Chunker.Tell, to measure it), keyed by reference
    // and held only as long as the message itself: the serializer reuses them instead of encoding twice.
    private static readonly ConditionalWeakTable<object, byte[]> Serialized = new();

    private readonly MessagePackSerializerOptions _options;

    public RemitCodec(MessageRegistry registry, int maxDepth = DefaultMaxDepth)
    {
        Registry = registry;
        _options = MessagePackSerializerOptions.Standard
            .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(maxDepth))
            .WithCompression(MessagePackCompression.None);
    }

    public static RemitCodec Default => LazyDefault.Value;

    public MessageRegistry Registry { get; }

    public string ManifestOf(object message) =>
        Registry.TryGetManifest(message.GetType(), out var manifest)
            ? manifest
            : throw new SerializationException(
                $"{message.GetType().FullName} is not a registered ReMiT message: it must implement IRemitMessage, carry [MessagePackObject] and live in a registered assembly.");

    /// <summary>Encodes a registered message (no size check: callers apply their own cap).</summary>
    public byte[] Serialize(object message)
    {
        ManifestOf(message);
        if (Serialized.TryGetValue(message, out var bytes))
            return bytes;
        return MessagePackSerializer.Serialize(message.GetType(), message, _options);
    }

    /// <summary>Lets the next <see cref="Serialize"/> of this very instance return <paramref name="bytes"/> (messages are immutable records).</summary>
    public static void RememberSerialized(object message, byte[] bytes) => Serialized.AddOrUpdate(message, bytes);

    /// <summary>Decodes <paramref name="bytes"/> as the type named by <paramref name="manifest"/>, refusing anything above <paramref name="maxBytes"/>.</summary>
    public DecodeResult Deserialize(ReadOnlyMemory<byte> bytes, string? manifest, int maxBytes)
    {
        if (!Registry.TryGetType(manifest, out var type))
            return DecodeResult.Drop(DropReasons.UnknownManifest, "this node knows no message type by that name (is it running an older build?)");
        if (bytes.Length > maxBytes)
            return DecodeResult.Drop(DropReasons.Oversized, $"payload is {bytes.Length:N0} bytes, above the {maxBytes:N0}-byte cap");

        object? message;
        var reader = new MessagePackReader(bytes);
        try
        {
            message = MessagePackSerializer.Deserialize(type, ref reader, _options);
        }
        catch (MessagePackSerializationException ex)
        {
            return DecodeResult.Drop(DropReasons.Malformed, Describe(ex));
        }
        if (!reader.End)
            return DecodeResult.Drop(DropReasons.Malformed, $"{bytes.Length - reader.Consumed:N0} trailing bytes after the message");
        if (message is not IRemitMessage remit)
            return DecodeResult.Drop(DropReasons.Malformed, "payload is nil");
        if (ContractValidator.FindMissing(remit) is { } hole)
            return DecodeResult.Drop(DropReasons.Malformed, $"{hole} is null but the contract says it never is");
        return new DecodeResult(remit, "", "");
    }

    // MessagePack wraps the real cause ("Failed to deserialize X value." → EndOfStream, depth limit, …): name the innermost.
    private static string Describe(Exception ex)
    {
        var inner = ex;
        while (inner.InnerException is not null)
            inner = inner.InnerException;
        return inner == ex ? ex.Message : $"{inner.GetType().Name}: {inner.Message}";
    }
}

/// <summary>A decoded message, or why there is none (<see cref="Reason"/> is one of <see cref="DropReasons"/>).</summary>
internal readonly record struct DecodeResult(IRemitMessage? Message, string Reason, string Detail)
{
    public static DecodeResult Drop(string reason, string detail) => new(null, reason, detail);
}
