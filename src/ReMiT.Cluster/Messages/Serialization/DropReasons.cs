namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// Values of the <c>reason</c> label of <c>remit_messages_dropped_total</c>: why an inbound message
/// never reached its actor. A fixed, small set, so the counter's cardinality stays bounded.
/// </summary>
public static class DropReasons
{
    /// <summary>The manifest names no message type this node knows (version skew between nodes).</summary>
    public const string UnknownManifest = "unknown_manifest";

    /// <summary>The bytes do not decode to a valid message of the manifest's type, or chunks contradict each other.</summary>
    public const string Malformed = "malformed";

    /// <summary>The payload is larger than the receiver accepts.</summary>
    public const string Oversized = "oversized";

    /// <summary>A chunked message stopped receiving chunks before it was complete.</summary>
    public const string ChunkTimeout = "chunk_timeout";

    /// <summary>A chunked message was evicted to keep the assembler within its stream and byte bounds.</summary>
    public const string ChunkOverflow = "chunk_overflow";

    /// <summary>The payload claims Akka's default (JSON) serializer, which this node replaces with <see cref="NonProtocolSerializer"/>: not a protocol message.</summary>
    public const string NotProtocol = "not_protocol";

    public static readonly string[] All = [UnknownManifest, Malformed, Oversized, ChunkTimeout, ChunkOverflow, NotProtocol];
}
