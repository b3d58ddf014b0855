using static TorchSharp.torch;

namespace ReMiT.Training.Data;

/// <summary>
/// One document per row, for SFT and RL-style data: row = the document's first SeqLen + 1 tokens,
/// inputs its first n − 1 and targets its last n − 1, right-padded with PAD (mask 0 on padding).
/// Documents are read in a fresh shuffled order each epoch and the epochs follow each other, so a
/// batch at the end of an epoch is filled from the start of the next one.
/// </summary>
public sealed class PaddedBatcher : ITokenBatcher
{
    private readonly IReadOnlyList<TokenizedDocument> _documents;
    private readonly int _batchSize;
    private readonly int _seqLen;
    private readonly int _padId;
    private readonly bool _padToSeqLen;
    private readonly Device _device;
    private readonly ulong _seed;
    private int _epoch;
    private long _position;
    private (int Epoch, int[] Order)? _order;

    /// <param name="documents">Documents in a fixed order (the cursor refers to it); each needs at least 2 tokens.</param>
    /// <param name="padId">The PAD id (<see cref="SpecialTokenIds.Pad"/>).</param>
    /// <param name="cursor">Where to start: <see cref="DataCursor.Start"/> or a checkpoint's cursor.</param>
    /// <param name="padToSeqLen">Pad every batch to SeqLen (fixed shapes) instead of to its longest row.</param>
    /// <param name="device">Where the batches live; CPU by default.</param>
    public PaddedBatcher(IReadOnlyList<TokenizedDocument> documents, int batchSize, int seqLen, int padId, DataCursor cursor,
        bool padToSeqLen = false, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(documents);
        ArgumentNullException.ThrowIfNull(cursor);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
        ArgumentOutOfRangeException.ThrowIfNegative(padId);
        if (documents.Count == 0) throw new ArgumentException("no documents to batch; generate a corpus first", nameof(documents));
        int truncated = 0;
        for (int i = 0; i < documents.Count; i++)
        {
            if (documents[i] is null || documents[i].Length < 2)
                throw new ArgumentException($"document {i} has fewer than 2 tokens, so nothing to predict; every document needs at least BOS and EOS", nameof(documents));
            if (documents[i].Length - 1 > seqLen) truncated++;
        }
        if (cursor.Epoch < 0 || cursor.Position < 0 || cursor.Position >= documents.Count)
            throw new ArgumentOutOfRangeException(nameof(cursor), cursor,
                $"cursor must have epoch ≥ 0 and 0 ≤ position < {documents.Count} (documents per epoch); was it saved for other documents?");
        _documents = documents;
        _batchSize = batchSize;
        _seqLen = seqLen;
        _padId = padId;
        _padToSeqLen = padToSeqLen;
        _device = device ?? CPU;
        _seed = cursor.Seed;
        _epoch = cursor.Epoch;
        _position = cursor.Position;
        TruncatedDocuments = truncated;
    }

    public DataCursor Cursor => new(_epoch, _position, _seed);

    /// <summary>Documents longer than SeqLen + 1 tokens, cut to SeqLen + 1 whenever read (they lose their EOS).</summary>
    public int TruncatedDocuments { get; }

    /// <summary>Truncated rows this batcher has yielded so far (reset when a batcher is rebuilt from a cursor).</summary>
    public long TruncatedRows { get; private set; }

    public TokenBatch Next()
    {
        var rows = new TokenizedDocument[_batchSize];
        int width = _padToSeqLen ? _seqLen : 1;
        for (int r = 0; r < _batchSize; r++)
        {
            rows[r] = _documents[Order(_epoch)[_position]];
            if (rows[r].Length - 1 > _seqLen) TruncatedRows++;
            width = Math.Max(width, Math.Min(rows[r].Length - 1, _seqLen));
            if (++_position == _documents.Count)
            {
                _position = 0;
                _epoch++;
            }
        }

        var inputs = new long[_batchSize * width];
        var targets = new long[_batchSize * width];
        var mask = new float[_batchSize * width]; // zero on padding
        Array.Fill(inputs, _padId);
        Array.Fill(targets, _padId);
        for (int r = 0; r < _batchSize; r++)
        {
            var doc = rows[r];
            int n = Math.Min(doc.Length - 1, _seqLen);
            int at = r * width;
            for (int i = 0; i < n; i++)
            {
                inputs[at + i] = doc.Ids[i];
                targets[at + i] = doc.Ids[i + 1];
            }
            Array.Copy(doc.LossMask, 1, mask, at, n);
        }
        return TokenBatch.FromHost(inputs, targets, mask, _batchSize, width, _device);
    }

    /// <summary>The document indices of one epoch in reading order.</summary>
    public IReadOnlyList<int> EpochDocumentOrder(int epoch) => Order(epoch);

    private int[] Order(int epoch)
    {
        if (_order is not { } o || o.Epoch != epoch)
            _order = o = (epoch, EpochOrder.Permutation(_seed, epoch, _documents.Count));
        return o.Order;
    }
}
