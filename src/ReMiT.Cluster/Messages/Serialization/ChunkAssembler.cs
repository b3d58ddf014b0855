using Akka.Actor;
using Akka.Event;
using ReMiT.Training.Flywheel;

namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// Puts <see cref="MessageChunk"/> streams back together inside one receiving actor (not thread-safe:
/// an actor's mailbox is its lock). Chunks may come twice or out of order; streams are keyed by sender
/// and <see cref="MessageChunk.StreamId"/>, so one sender cannot touch another's stream even by guessing
/// its id.
/// <para>
/// Bounded per sender and in total, and no sender can push out another's stream: a sender over its own
/// stream or byte budget loses its own stalest stream; a new stream that would exceed the total is
/// refused (whoever holds the room keeps it until their streams complete or time out). A reassembled
/// message may be at most <c>maxMessageBytes</c> (<c>cluster.max_message_mib</c>), which is checked as
/// soon as a stream's chunk size and count show it cannot fit. A stream that receives nothing for
/// <c>timeout</c> is dropped. A chunk that contradicts its stream (another Count or Manifest, other bytes
/// at a seen index, an index out of range, a middle chunk of another length) drops the stream as malformed.
/// Every drop is logged and reported through <c>onDropped</c> with a <see cref="DropReasons"/> value;
/// later chunks of a finished (completed, dropped or refused) stream are ignored.
/// </para>
/// <code>
/// Receive&lt;MessageChunk&gt;(chunk => { if (_assembler.Add(chunk, ChunkAssembler.SenderKey(Sender)) is { } whole) Self.Forward(whole); });
/// </code>
/// </summary>
public sealed class ChunkAssembler
{
    /// <summary>Default cap on a reassembled message (what <c>cluster.max_message_mib</c> defaults to).</summary>
    public const int DefaultMaxMessageBytes = 64 * 1024 * 1024;

    private const int RememberedFinished = 1024;

    private readonly int _maxOpenStreams, _maxStreamsPerSender;
    private readonly long _maxBufferedBytes, _maxBytesPerSender;
    private readonly int _maxMessageBytes;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly Action<string>? _onDropped;
    private readonly ILoggingAdapter? _log;
    private readonly Dictionary<(string Sender, long Id), Stream> _open = [];
    private readonly Dictionary<string, (int Streams, long Bytes)> _bySender = [];
    // Streams finished recently (completed, dropped or refused): their late chunks are ignored instead of
    // opening a stream that can only time out (and be counted a second time).
    private readonly HashSet<(string, long)> _finished = [];
    private readonly Queue<(string, long)> _finishedOrder = new();

    /// <param name="maxOpenStreams">Incomplete streams held in all.</param>
    /// <param name="maxBufferedBytes">Bytes held in incomplete streams in all; default 4 × <paramref name="maxMessageBytes"/>.</param>
    /// <param name="maxMessageBytes">Largest reassembled message.</param>
    /// <param name="maxStreamsPerSender">Incomplete streams one sender may hold.</param>
    /// <param name="maxBytesPerSender">Bytes one sender may hold; default 2 × <paramref name="maxMessageBytes"/>.</param>
    public ChunkAssembler(
        int maxOpenStreams = 64, long? maxBufferedBytes = null, int maxMessageBytes = DefaultMaxMessageBytes,
        TimeSpan? timeout = null, TimeProvider? time = null, Action<string>? onDropped = null, ILoggingAdapter? log = null,
        int maxStreamsPerSender = 16, long? maxBytesPerSender = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOpenStreams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxStreamsPerSender, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 1);
        _maxMessageBytes = maxMessageBytes;
        _maxBytesPerSender = maxBytesPerSender ?? 2L * maxMessageBytes;
        _maxBufferedBytes = maxBufferedBytes ?? Math.Max(4L * maxMessageBytes, _maxBytesPerSender);
        ArgumentOutOfRangeException.ThrowIfLessThan(_maxBytesPerSender, maxMessageBytes, nameof(maxBytesPerSender));
        ArgumentOutOfRangeException.ThrowIfLessThan(_maxBufferedBytes, _maxBytesPerSender, nameof(maxBufferedBytes));
        _maxOpenStreams = maxOpenStreams;
        _maxStreamsPerSender = Math.Min(maxStreamsPerSender, maxOpenStreams);
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
        _time = time ?? TimeProvider.System;
        _onDropped = onDropped;
        _log = log;
    }

    /// <summary>The cap on a reassembled message that <paramref name="cluster"/> sets (<c>cluster.max_message_mib</c>).</summary>
    public static int MessageCapOf(ClusterSection cluster) => cluster.MaxMessageMib * 1024 * 1024;

    /// <summary>Whose budget a chunk counts against: the sending node (one node could otherwise open streams from many actors).</summary>
    public static string SenderKey(IActorRef sender) => sender.Path.Address.ToString();

    /// <summary>Incomplete streams held now.</summary>
    public int OpenStreams => _open.Count;

    /// <summary>Bytes held in incomplete streams now.</summary>
    public long BufferedBytes { get; private set; }

    /// <summary>Takes one chunk from a single, unnamed sender (a link with one peer); see <see cref="Add(MessageChunk, string)"/>.</summary>
    public IRemitMessage? Add(MessageChunk chunk) => Add(chunk, "");

    /// <summary>Takes one chunk from <paramref name="sender"/>; returns the whole message when this chunk completed its stream, else null.</summary>
    public IRemitMessage? Add(MessageChunk chunk, string sender)
    {
        Sweep();
        var key = (sender, chunk.StreamId);
        if (_finished.Contains(key))
            return null;
        if (Invalid(chunk) is { } problem)
        {
            if (_open.TryGetValue(key, out var broken))
                Drop(broken, DropReasons.Malformed, problem);
            else
                Report(sender, chunk.StreamId, chunk.Manifest, DropReasons.Malformed, problem);
            return null;
        }
        if (!RemitCodec.Default.Registry.TryGetType(chunk.Manifest, out _))
        {
            Report(sender, chunk.StreamId, chunk.Manifest, DropReasons.UnknownManifest, "this node knows no message type by that name");
            return null;
        }

        if (!_open.TryGetValue(key, out var stream))
        {
            if (SenderUse(sender).Streams >= _maxStreamsPerSender)
                Drop(Stalest(sender), DropReasons.ChunkOverflow, $"sender {sender} has more than {_maxStreamsPerSender} chunked messages open; its stalest goes");
            if (_open.Count >= _maxOpenStreams)
            {
                Refuse(sender, chunk, DropReasons.ChunkOverflow, $"{_maxOpenStreams} chunked messages are open already; this one is refused (open ones are never evicted for it)");
                return null;
            }
            stream = new Stream(sender, chunk.StreamId, chunk.Manifest, chunk.Count);
            _open.Add(key, stream);
            Use(sender, streams: +1, bytes: 0);
        }
        else if (stream.Count != chunk.Count || stream.Manifest != chunk.Manifest)
        {
            Drop(stream, DropReasons.Malformed, $"chunk {chunk.Index} says {chunk.Count} × {chunk.Manifest}, the stream began as {stream.Count} × {stream.Manifest}");
            return null;
        }
        stream.LastSeen = _time.GetTimestamp();

        if (stream.Parts.TryGetValue(chunk.Index, out var seen))
        {
            if (!seen.AsSpan().SequenceEqual(chunk.Bytes))
                Drop(stream, DropReasons.Malformed, $"chunk {chunk.Index} arrived twice with different bytes");
            return null;
        }
        if (SizeProblem(stream, chunk) is { } size)
        {
            Drop(stream, size.Reason, size.Detail);
            return null;
        }
        while (SenderUse(sender).Bytes + chunk.Bytes.Length > _maxBytesPerSender)
            Drop(Stalest(sender, except: stream), DropReasons.ChunkOverflow, $"sender {sender} holds more than {_maxBytesPerSender:N0} bytes; its stalest other stream goes");
        if (BufferedBytes + chunk.Bytes.Length > _maxBufferedBytes)
        {
            Drop(stream, DropReasons.ChunkOverflow, $"{_maxBufferedBytes:N0} bytes are buffered in all; this stream is refused (other senders' streams are never evicted for it)");
            return null;
        }
        stream.Parts.Add(chunk.Index, chunk.Bytes);
        stream.Bytes += chunk.Bytes.Length;
        BufferedBytes += chunk.Bytes.Length;
        Use(sender, streams: 0, bytes: chunk.Bytes.Length);

        return stream.Received == stream.Count ? Complete(stream) : null;
    }

    /// <summary>Drops every stream idle for longer than the timeout (also done on each <see cref="Add(MessageChunk, string)"/>); returns how many.</summary>
    public int Sweep()
    {
        List<Stream>? idle = null;
        foreach (var stream in _open.Values)
            if (_time.GetElapsedTime(stream.LastSeen) > _timeout)
                (idle ??= []).Add(stream);
        foreach (var stream in idle ?? [])
            Drop(stream, DropReasons.ChunkTimeout, $"no chunk for {_timeout.TotalSeconds:F0} s");
        return idle?.Count ?? 0;
    }

    // Chunker cuts a message into equal slices and a shorter (or equal) last one, so one middle slice and
    // the count bound the whole: a stream that cannot fit the cap is refused before it is buffered.
    private (string Reason, string Detail)? SizeProblem(Stream stream, MessageChunk chunk)
    {
        bool last = chunk.Index == chunk.Count - 1;
        if (!last)
        {
            if (stream.SliceBytes is { } slice && slice != chunk.Bytes.Length)
                return (DropReasons.Malformed, $"chunk {chunk.Index} has {chunk.Bytes.Length} bytes, the stream's other slices {slice}");
            stream.SliceBytes = chunk.Bytes.Length;
            if (stream.Parts.TryGetValue(stream.Count - 1, out var lastPart) && lastPart.Length > chunk.Bytes.Length)
                return (DropReasons.Malformed, $"last chunk has {lastPart.Length} bytes, more than the stream's slices ({chunk.Bytes.Length})");
        }
        else if (stream.SliceBytes is { } slice && chunk.Bytes.Length > slice)
            return (DropReasons.Malformed, $"last chunk has {chunk.Bytes.Length} bytes, more than the stream's slices ({slice})");
        long atLeast = stream.SliceBytes is { } s ? (long)s * (stream.Count - 1) + 1 : stream.Bytes + chunk.Bytes.Length;
        atLeast = Math.Max(atLeast, stream.Bytes + chunk.Bytes.Length);
        return atLeast > _maxMessageBytes
            ? (DropReasons.Oversized, $"{stream.Manifest} in {stream.Count} chunks is at least {atLeast:N0} bytes, above the {_maxMessageBytes:N0}-byte cap on a reassembled message (cluster.max_message_mib; raise it on every node, or send smaller work)")
            : null;
    }

    private IRemitMessage? Complete(Stream stream)
    {
        Forget(stream);
        var whole = new byte[stream.Bytes];
        int offset = 0;
        for (int i = 0; i < stream.Count; i++)
        {
            var part = stream.Parts[i];
            part.CopyTo(whole, offset);
            offset += part.Length;
        }
        var result = RemitCodec.Default.Deserialize(whole, stream.Manifest, _maxMessageBytes);
        if (result.Message is null)
            Report(stream.Sender, stream.Id, stream.Manifest, result.Reason, result.Detail);
        return result.Message;
    }

    private string? Invalid(MessageChunk c)
    {
        if (c.Manifest is null || c.Bytes is null)
            return "chunk without manifest or bytes";
        if (c.Count < 1 || c.Count > _maxMessageBytes)
            return $"chunk count {c.Count} outside 1..{_maxMessageBytes}";
        if (c.Index < 0 || c.Index >= c.Count)
            return $"chunk index {c.Index} outside 0..{c.Count - 1}";
        if (c.Bytes.Length == 0)
            return $"chunk {c.Index} is empty";
        return null;
    }

    private (int Streams, long Bytes) SenderUse(string sender) => _bySender.GetValueOrDefault(sender);

    private void Use(string sender, int streams, long bytes)
    {
        var (s, b) = SenderUse(sender);
        if (s + streams == 0) _bySender.Remove(sender);
        else _bySender[sender] = (s + streams, b + bytes);
    }

    private Stream Stalest(string sender, Stream? except = null) =>
        _open.Values.Where(s => s.Sender == sender && s != except).MinBy(s => s.LastSeen)
        ?? throw new InvalidOperationException($"sender {sender} is over its budget with no other stream to give up (the constructor's bounds are inconsistent).");

    private void Refuse(string sender, MessageChunk chunk, string reason, string detail)
    {
        Remember((sender, chunk.StreamId));
        Report(sender, chunk.StreamId, chunk.Manifest, reason, detail);
    }

    private void Drop(Stream stream, string reason, string detail)
    {
        Forget(stream);
        Report(stream.Sender, stream.Id, stream.Manifest, reason, $"{detail} ({stream.Received}/{stream.Count} chunks)");
    }

    private void Forget(Stream stream)
    {
        if (!_open.Remove((stream.Sender, stream.Id)))
            return;
        BufferedBytes -= stream.Bytes;
        Use(stream.Sender, streams: -1, bytes: -stream.Bytes);
        Remember((stream.Sender, stream.Id));
    }

    private void Remember((string, long) key)
    {
        if (_finishedOrder.Count == RememberedFinished)
            _finished.Remove(_finishedOrder.Dequeue());
        if (_finished.Add(key))
            _finishedOrder.Enqueue(key);
    }

    private void Report(string sender, long id, string? manifest, string reason, string detail)
    {
        _log?.Warning("Dropped chunked message [{0}] stream {1} from {2} ({3}): {4}", manifest, id, sender.Length == 0 ? "its peer" : sender, reason, detail);
        _onDropped?.Invoke(reason);
    }

    // Parts live in a dictionary, not an array of Count slots: Count comes from the wire and may be huge.
    private sealed class Stream(string sender, long id, string manifest, int count)
    {
        public string Sender { get; } = sender;
        public long Id { get; } = id;
        public string Manifest { get; } = manifest;
        public int Count { get; } = count;
        public Dictionary<int, byte[]> Parts { get; } = [];
        public int Received => Parts.Count;
        public long Bytes { get; set; }
        public int? SliceBytes { get; set; }
        public long LastSeen { get; set; }
    }
}
