using Akka.Event;

namespace ReMiT.Cluster.Messages.Serialization;

/// <summary>
/// Puts <see cref="MessageChunk"/> streams back together inside one receiving actor (not thread-safe:
/// an actor's mailbox is its lock). Chunks may come twice or out of order; streams are keyed by
/// <see cref="MessageChunk.StreamId"/>. Bounded: at most <c>maxOpenStreams</c> incomplete streams and
/// <c>maxBufferedBytes</c> buffered in all (the stalest stream is evicted first), and a stream that
/// receives nothing for <c>timeout</c> is dropped. A chunk that contradicts its stream (another Count or
/// Manifest, other bytes at a seen index, an index out of range) drops the stream as malformed. Every
/// drop is logged once and reported through <c>onDropped</c> with a <see cref="DropReasons"/> value;
/// later chunks of a finished (completed or dropped) stream are ignored.
/// <code>
/// Receive&lt;MessageChunk&gt;(chunk => { if (_assembler.Add(chunk) is { } whole) Self.Forward(whole); });
/// </code>
/// </summary>
public sealed class ChunkAssembler
{
    private const int RememberedFinished = 1024;

    private readonly int _maxOpenStreams;
    private readonly long _maxBufferedBytes;
    private readonly int _maxMessageBytes;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly Action<string>? _onDropped;
    private readonly ILoggingAdapter? _log;
    private readonly Dictionary<long, Stream> _open = [];
    // Streams finished recently (completed or dropped): their late chunks are ignored instead of opening
    // a stream that can only time out (and be counted a second time).
    private readonly HashSet<long> _finished = [];
    private readonly Queue<long> _finishedOrder = new();

    public ChunkAssembler(
        int maxOpenStreams = 64, long maxBufferedBytes = 512L * 1024 * 1024, int maxMessageBytes = Chunker.MaxChunkedMessageBytes,
        TimeSpan? timeout = null, TimeProvider? time = null, Action<string>? onDropped = null, ILoggingAdapter? log = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOpenStreams, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessageBytes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBufferedBytes, maxMessageBytes);
        _maxOpenStreams = maxOpenStreams;
        _maxBufferedBytes = maxBufferedBytes;
        _maxMessageBytes = maxMessageBytes;
        _timeout = timeout ?? TimeSpan.FromSeconds(30);
        _time = time ?? TimeProvider.System;
        _onDropped = onDropped;
        _log = log;
    }

    /// <summary>Incomplete streams held now.</summary>
    public int OpenStreams => _open.Count;

    /// <summary>Bytes held in incomplete streams now.</summary>
    public long BufferedBytes { get; private set; }

    /// <summary>Takes one chunk; returns the whole message when this chunk completed its stream, else null.</summary>
    public IRemitMessage? Add(MessageChunk chunk)
    {
        Sweep();
        if (_finished.Contains(chunk.StreamId))
            return null;
        if (Invalid(chunk) is { } problem)
        {
            if (_open.TryGetValue(chunk.StreamId, out var broken))
                Drop(broken, DropReasons.Malformed, problem);
            else
                Report(chunk.StreamId, chunk.Manifest, DropReasons.Malformed, problem);
            return null;
        }
        if (!RemitCodec.Default.Registry.TryGetType(chunk.Manifest, out _))
        {
            Report(chunk.StreamId, chunk.Manifest, DropReasons.UnknownManifest, "this node knows no message type by that name");
            return null;
        }

        if (!_open.TryGetValue(chunk.StreamId, out var stream))
        {
            if (_open.Count >= _maxOpenStreams)
                Drop(Stalest(), DropReasons.ChunkOverflow, $"more than {_maxOpenStreams} chunked messages open at once");
            stream = new Stream(chunk.StreamId, chunk.Manifest, chunk.Count);
            _open.Add(chunk.StreamId, stream);
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
        if (stream.Bytes + chunk.Bytes.Length > _maxMessageBytes)
        {
            Drop(stream, DropReasons.Oversized, $"more than {_maxMessageBytes:N0} bytes");
            return null;
        }
        stream.Parts.Add(chunk.Index, chunk.Bytes);
        stream.Bytes += chunk.Bytes.Length;
        BufferedBytes += chunk.Bytes.Length;
        while (BufferedBytes > _maxBufferedBytes)
            Drop(Stalest(), DropReasons.ChunkOverflow, $"more than {_maxBufferedBytes:N0} bytes buffered in all");

        return stream.Received == stream.Count && _open.ContainsKey(stream.Id) ? Complete(stream) : null;
    }

    /// <summary>Drops every stream idle for longer than the timeout (also done on each <see cref="Add"/>); returns how many.</summary>
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
            Report(stream.Id, stream.Manifest, result.Reason, result.Detail);
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

    private Stream Stalest() => _open.Values.MinBy(s => s.LastSeen)!;

    private void Drop(Stream stream, string reason, string detail)
    {
        Forget(stream);
        Report(stream.Id, stream.Manifest, reason, $"{detail} ({stream.Received}/{stream.Count} chunks)");
    }

    private void Forget(Stream stream)
    {
        if (!_open.Remove(stream.Id))
            return;
        BufferedBytes -= stream.Bytes;
        if (_finishedOrder.Count == RememberedFinished)
            _finished.Remove(_finishedOrder.Dequeue());
        _finished.Add(stream.Id);
        _finishedOrder.Enqueue(stream.Id);
    }

    private void Report(long id, string? manifest, string reason, string detail)
    {
        _log?.Warning("Dropped chunked message [{0}] stream {1} ({2}): {3}", manifest, id, reason, detail);
        _onDropped?.Invoke(reason);
    }

    // Parts live in a dictionary, not an array of Count slots: Count comes from the wire and may be huge.
    private sealed class Stream(long id, string manifest, int count)
    {
        public long Id { get; } = id;
        public string Manifest { get; } = manifest;
        public int Count { get; } = count;
        public Dictionary<int, byte[]> Parts { get; } = [];
        public int Received => Parts.Count;
        public long Bytes { get; set; }
        public long LastSeen { get; set; }
    }
}
