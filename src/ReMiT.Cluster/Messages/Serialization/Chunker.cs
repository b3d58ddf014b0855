using Akka.Actor;

namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// Sends messages too big for one remote frame as a stream of <see cref="MessageChunk"/>s, which a
/// <see cref="ChunkAssembler"/> on the receiving actor puts back together. Local targets (the
/// embedded one-process mode) always get the message itself: nothing is serialized there.
/// </summary>
public static class Chunker
{
    /// <summary>Default slice size: big enough to keep per-message overhead negligible, small enough that one batch does not hold the connection for long.</summary>
    public const int DefaultChunkBytes = 1024 * 1024;

    /// <summary>Largest slice: a chunk (slice plus its few header bytes and manifest) must stay under <see cref="RemitHocon.MaxMessageBytes"/>.</summary>
    public const int MaxChunkBytes = RemitHocon.MaxMessageBytes - 4096;

    /// <summary>Largest message that may be chunked (what a <see cref="ChunkAssembler"/> accepts by default).</summary>
    public const int MaxChunkedMessageBytes = 256 * 1024 * 1024;

    /// <summary>
    /// Tells <paramref name="target"/> the message whole when it is local or serializes to at most
    /// <paramref name="maxChunkBytes"/>, and as chunks otherwise (all with <paramref name="sender"/>; null for none).
    /// </summary>
    public static void Tell(IActorRef target, IRemitMessage message, IActorRef? sender, int maxChunkBytes = DefaultChunkBytes)
    {
        CheckChunkSize(maxChunkBytes);
        if (target.Path.Address.HasLocalScope)
        {
            target.Tell(message, sender);
            return;
        }
        byte[] bytes = RemitCodec.Default.Serialize(message);
        if (bytes.Length <= maxChunkBytes)
        {
            // Remoting serializes the message again on its writer thread; hand it these bytes instead.
            RemitCodec.RememberSerialized(message, bytes);
            target.Tell(message, sender);
            return;
        }
        foreach (var chunk in Split(bytes, RemitCodec.Default.ManifestOf(message), maxChunkBytes, NewStreamId()))
            target.Tell(chunk, sender);
    }

    /// <summary>Serializes <paramref name="message"/> and cuts it into slices of at most <paramref name="maxChunkBytes"/> (at least one chunk).</summary>
    public static IReadOnlyList<MessageChunk> Split(IRemitMessage message, int maxChunkBytes)
    {
        CheckChunkSize(maxChunkBytes);
        return Split(RemitCodec.Default.Serialize(message), RemitCodec.Default.ManifestOf(message), maxChunkBytes, NewStreamId());
    }

    private static MessageChunk[] Split(byte[] bytes, string manifest, int maxChunkBytes, long streamId)
    {
        if (bytes.Length > MaxChunkedMessageBytes)
            throw new ArgumentException(
                $"{manifest} serializes to {bytes.Length:N0} bytes, above the {MaxChunkedMessageBytes:N0} bytes a receiver assembles; split the work into smaller messages.",
                nameof(bytes));
        int count = (bytes.Length + maxChunkBytes - 1) / maxChunkBytes;
        var chunks = new MessageChunk[count];
        for (int i = 0; i < count; i++)
        {
            int start = i * maxChunkBytes;
            chunks[i] = new MessageChunk(streamId, i, count, manifest, bytes[start..Math.Min(bytes.Length, start + maxChunkBytes)]);
        }
        return chunks;
    }

    // Random ids: senders need no coordination, and 64 bits make a collision between two open streams negligible
    // (the assembler also drops a stream whose chunks disagree on Count or Manifest).
    private static long NewStreamId() => Random.Shared.NextInt64(long.MinValue, long.MaxValue);

    private static void CheckChunkSize(int maxChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxChunkBytes, MaxChunkBytes);
    }
}
