using static TorchSharp.torch;

namespace ReMiT.Training.Data;

/// <summary>
/// nanoGPT-style packing for pre-/mid-training. Each epoch lays the documents end to end in a fresh
/// shuffled order (from the cursor's seed and the epoch), and the epochs follow each other into one
/// endless token stream. A row is the SeqLen + 1 tokens starting at the cursor; its inputs are the
/// first SeqLen and its targets the last SeqLen, and the next row starts SeqLen tokens later. So every
/// stream token is a target exactly once (documents run on across rows and, at the end of an epoch,
/// into the next epoch's first row) and nothing is dropped or repeated.
/// </summary>
/// <remarks>
/// Rows do not reset attention at document boundaries (as nanoGPT); the BOS of each document has loss
/// mask 0, so predicting a document's start from the previous one is never trained.
/// </remarks>
public sealed class PackedBatcher : ITokenBatcher
{
    private readonly IReadOnlyList<TokenizedDocument> _documents;
    private readonly int _batchSize;
    private readonly int _seqLen;
    private readonly Device _device;
    private readonly ulong _seed;
    private int _epoch;
    private long _position;

    // The stream layout of at most two epochs (a row can span an epoch boundary): the document order
    // and each document's start offset in the epoch stream.
    private (int Epoch, int[] Order, long[] Starts)? _current, _next;

    /// <param name="documents">Documents in a fixed order (the cursor refers to it); none may be empty.</param>
    /// <param name="cursor">Where to start: <see cref="DataCursor.Start"/> or a checkpoint's cursor.</param>
    /// <param name="device">Where the batches live; CPU by default.</param>
    public PackedBatcher(IReadOnlyList<TokenizedDocument> documents, int batchSize, int seqLen, DataCursor cursor, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(cursor);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
        if (documents.Count == 0) throw new ArgumentException("no documents to pack; generate a corpus first", nameof(documents));
        long total = 0;
        for (int i = 0; i < documents.Count; i++)
        {
            if (documents[i] is null || documents[i].Length == 0)
                throw new ArgumentException($"document {i} is null or has no tokens; every document needs at least BOS and EOS", nameof(documents));
            total += documents[i].Length;
        }
        if (cursor.Epoch < 0 || cursor.Position < 0 || cursor.Position >= total)
            throw new ArgumentOutOfRangeException(nameof(cursor), cursor,
                $"cursor must have epoch ≥ 0 and 0 ≤ position < {total} (tokens per epoch of these documents); was it saved for other documents?");
        _documents = documents;
        _batchSize = batchSize;
        _seqLen = seqLen;
        _device = device ?? CPU;
        _seed = cursor.Seed;
        _epoch = cursor.Epoch;
        _position = cursor.Position;
        TokensPerEpoch = total;
    }

    public DataCursor Cursor => new(_epoch, _position, _seed);

    /// <summary>Tokens in one pass over the documents (BOS and EOS included).</summary>
    public long TokensPerEpoch { get; }

    public int BatchSize => _batchSize;

    public int SeqLen => _seqLen;

    public TokenBatch Next()
    {
        int b = _batchSize, t = _seqLen;
        var inputs = new long[b * t];
        var targets = new long[b * t];
        var mask = new float[b * t];
        var rowIds = new long[t + 1];
        var rowMask = new float[t + 1];
        for (int r = 0; r < b; r++)
        {
            ReadRow(_epoch, _position, rowIds, rowMask);
            Array.Copy(rowIds, 0, inputs, r * t, t);
            Array.Copy(rowIds, 1, targets, r * t, t);
            Array.Copy(rowMask, 1, mask, r * t, t);
            Advance(t);
        }
        return TokenBatch.FromHost(inputs, targets, mask, b, t, _device);
    }

    /// <summary>The stream of one epoch: the document indices in reading order.</summary>
    public IReadOnlyList<int> EpochDocumentOrder(int epoch) => Layout(epoch).Order;

    private void Advance(long tokens)
    {
        _position += tokens;
        while (_position >= TokensPerEpoch)
        {
            _position -= TokensPerEpoch;
            _epoch++;
        }
    }

    // Copies the ids and masks of stream tokens [position, position + ids.Length) of `epoch` onwards.
    private void ReadRow(int epoch, long position, long[] ids, float[] mask)
    {
        int filled = 0;
        while (filled < ids.Length)
        {
            var (_, order, starts) = Layout(epoch);
            int k = Array.BinarySearch(starts, position);
            if (k < 0) k = ~k - 1; // the document whose span holds `position`
            var doc = _documents[order[k]];
            int offset = (int)(position - starts[k]);
            int take = Math.Min(doc.Length - offset, ids.Length - filled);
            for (int i = 0; i < take; i++) ids[filled + i] = doc.Ids[offset + i];
            Array.Copy(doc.LossMask, offset, mask, filled, take);
            filled += take;
            position += take;
            if (position == TokensPerEpoch)
            {
                position = 0;
                epoch++;
            }
        }
    }

    private (int Epoch, int[] Order, long[] Starts) Layout(int epoch)
    {
        if (_current is { } c && c.Epoch == epoch) return c;
        if (_next is { } n && n.Epoch == epoch)
        {
            // Reading moved on to the next epoch; the old one is never read again.
            (_current, _next) = (n, null);
            return n;
        }
        int[] order = EpochOrder.Permutation(_seed, epoch, _documents.Count);
        var starts = new long[order.Length];
        long offset = 0;
        for (int k = 0; k < order.Length; k++)
        {
            starts[k] = offset;
            offset += _documents[order[k]].Length;
        }
        var layout = (epoch, order, starts);
        if (_current is null || epoch < _current.Value.Epoch) _current = layout;
        else _next = layout;
        return layout;
    }
}
