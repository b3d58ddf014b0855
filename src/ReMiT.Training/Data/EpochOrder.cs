using ReMiT.Tasks;
namespace ReMiT.Training.Data;

/// <summary>
/// The order documents are read in during one epoch: a Fisher–Yates permutation seeded by
/// (seed, epoch) alone, so any epoch's order is recomputed from a cursor without replaying earlier
/// epochs, and every epoch is a fresh shuffle.
/// </summary>
internal static class EpochOrder
{
    // Keeps epoch shuffles in a different stream family from the corpus mixture's draws, which also
    // derive from a user seed.
    private const ulong Domain = 0x45504F4348UL; // "EPOCH"

    public static int[] Permutation(ulong seed, int epoch, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        var rng = new SplitMix64(SplitMix64.Derive(seed ^ Domain, (ulong)epoch));
        for (int i = count - 1; i > 0; i--)
        {
            int j = rng.NextInt(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}
