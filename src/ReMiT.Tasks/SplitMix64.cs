namespace ReMiT.Tasks;

/// <summary>
/// SplitMix64 (Steele, Lea &amp; Flood 2014): tiny, fast, and fully specified, so generated data depend
/// only on the seed — never on the runtime's <see cref="Random"/> implementation. Shared by every
/// task generator.
/// </summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, bound), unbiased (Lemire's multiply-shift with rejection).</summary>
    public int NextInt(int bound)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bound);
        var b = (ulong)bound;
        var threshold = (0UL - b) % b;
        while (true)
        {
            var hi = Math.BigMul(NextUInt64(), b, out var lo);
            if (lo >= threshold)
                return (int)hi;
        }
    }

    /// <summary>Uniform in [min, max] inclusive.</summary>
    public int NextInt(int min, int max) => min + NextInt(max - min + 1);

    public bool NextBool() => (NextUInt64() >> 63) != 0;

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    public T Pick<T>(IReadOnlyList<T> items) => items[NextInt(items.Count)];

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    /// <summary>A seed for a derived stream, e.g. the i-th problem of a batch.</summary>
    public static ulong Derive(ulong seed, ulong index) => new SplitMix64(seed ^ (index * 0xD1B54A32D192ED03UL)).NextUInt64();
}
