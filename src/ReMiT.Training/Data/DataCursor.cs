namespace ReMiT.Training.Data;

/// <summary>
/// Where a batcher is in its data: the epoch, the position of the next batch within that epoch's
/// shuffled stream (tokens for <see cref="PackedBatcher"/>, documents for <see cref="PaddedBatcher"/>),
/// and the shuffle seed. Saved in checkpoints as JSON; a batcher built from it over the same documents
/// yields exactly the batch the saved run would have yielded next.
/// </summary>
public sealed record DataCursor(int Epoch, long Position, ulong Seed)
{
    /// <summary>The start of epoch 0.</summary>
    public static DataCursor Start(ulong seed) => new(0, 0, seed);
}
