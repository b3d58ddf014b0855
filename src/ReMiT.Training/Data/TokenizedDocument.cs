namespace ReMiT.Training.Data;

/// <summary>
/// A document as token ids, BOS first and EOS last, with a per-token loss mask:
/// <c>LossMask[i]</c> says whether predicting token i (from tokens before it) is trained, so it is
/// always 0 for the BOS, which nothing predicts.
/// </summary>
public sealed record TokenizedDocument
{
    public TokenizedDocument(int[] ids, float[] lossMask)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(lossMask);
        if (ids.Length != lossMask.Length)
            throw new ArgumentException($"lossMask has {lossMask.Length} entries but ids has {ids.Length}; they must match one to one.", nameof(lossMask));
        Ids = ids;
        LossMask = lossMask;
    }

    public int[] Ids { get; }

    public float[] LossMask { get; }

    public int Length => Ids.Length;
}
