using ReMiT.Training.Data;

namespace ReMiT.Training.Distributed;

/// <summary>
/// This rank's rows of another batcher's global batches. Every rank builds the same global stream
/// (same documents, seed and cursor), so ranks stay in step and the saved cursor is the global one.
/// </summary>
internal sealed class RankShardBatcher(ITokenBatcher inner, int rank, int size) : ITokenBatcher
{
    public DataCursor Cursor => inner.Cursor;

    public TokenBatch Next()
    {
        var full = inner.Next();
        var shard = DataParallel.ShardRows(full, rank, size);
        full.Dispose(); // the shard's views keep the storage alive
        return shard;
    }
}
