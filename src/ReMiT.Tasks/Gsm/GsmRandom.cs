namespace ReMiT.Tasks.Gsm;

/// <summary>
/// SplitMix64: a tiny PRNG whose output is fixed by its algorithm, so a seed yields the same
/// problems on every .NET version (System.Random makes no such promise across versions).
/// </summary>
internal sealed class GsmRandom(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, maxExclusive), without modulo bias.</summary>
    public int Next(int maxExclusive)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxExclusive);
        ulong bound = (ulong)maxExclusive;
        ulong limit = ulong.MaxValue - ulong.MaxValue % bound;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (int)(r % bound);
    }

    /// <summary>Uniform in [min, max] (inclusive).</summary>
    public int Between(int min, int max) => min + Next(max - min + 1);

    public bool Chance(double p) => (NextUInt64() >> 11) * (1.0 / (1UL << 53)) < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[Next(items.Count)];

    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A seed for a derived stream, e.g. the i-th problem of a batch.</summary>
    public static ulong Derive(ulong seed, ulong index) => new GsmRandom(seed ^ (index * 0xD1B54A32D192ED03UL)).NextUInt64();
}
