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

    /// <summary>
    /// Tells <paramref name="target"/> the message whole when it is local or serializes to at most
    /// <paramref name="maxChunkBytes"/>, and as chunks otherwise (all with <paramref name="sender"/>; null for none).
    /// </summary>
    /// <param name="maxMessageBytes">The receivers' cap on a reassembled message (<c>cluster.max_message_mib</c>).</param>
    /// <exception cref="ArgumentException">The message is above <paramref name="maxMessageBytes"/>: no receiver would take it.</exception>
    public static void Tell(IActorRef target, IRemitMessage message, IActorRef? sender, int maxChunkBytes = DefaultChunkBytes,
                            int maxMessageBytes = ChunkAssembler.DefaultMaxMessageBytes)
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
        foreach (var chunk in Split(bytes, RemitCodec.Default.ManifestOf(message), maxChunkBytes, maxMessageBytes, NewStreamId()))
            target.Tell(chunk, sender);
    }

    /// <summary>Serializes <paramref name="message"/> and cuts it into slices of at most <paramref name="maxChunkBytes"/> (at least one chunk).</summary>
    /// <exception cref="ArgumentException">The message is above <paramref name="maxMessageBytes"/>: no receiver would take it.</exception>
    public static IReadOnlyList<MessageChunk> Split(IRemitMessage message, int maxChunkBytes, int maxMessageBytes = ChunkAssembler.DefaultMaxMessageBytes)
    {
        CheckChunkSize(maxChunkBytes);
        return Split(RemitCodec.Default.Serialize(message), RemitCodec.Default.ManifestOf(message), maxChunkBytes, maxMessageBytes, NewStreamId());
    }

    private static MessageChunk[] Split(byte[] bytes, string manifest, int maxChunkBytes, int maxMessageBytes, long streamId)
    {
        if (bytes.Length > maxMessageBytes)
            throw new ArgumentException(
                $"{manifest} serializes to {bytes.Length:N0} bytes, above the {maxMessageBytes:N0}-byte cap on a reassembled message " +
                "(cluster.max_message_mib); raise it, or make the work smaller (rl.prompts_per_step, rl.group_size, rl.max_new_tokens).",
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
