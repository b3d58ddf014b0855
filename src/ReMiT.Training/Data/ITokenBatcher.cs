namespace ReMiT.Training.Data;

/// <summary>An endless, resumable source of token batches.</summary>
public interface ITokenBatcher
{
    /// <summary>Where the next batch starts; save it with a checkpoint to resume exactly.</summary>
    DataCursor Cursor { get; }

    /// <summary>The next batch; advances <see cref="Cursor"/>, wrapping into a reshuffled next epoch.</summary>
    TokenBatch Next();
}
