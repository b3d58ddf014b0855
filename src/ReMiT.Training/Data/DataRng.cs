namespace ReMiT.Training.Data;

/// <summary>
/// SplitMix64, bit-for-bit the generator of <c>ReMiT.Tasks.SplitMix64</c> (which is internal to that
/// project). The data pipeline needs its own copy because its draws — mixture sources, epoch
/// shuffles — must depend only on a seed, never on <see cref="Random"/>'s implementation, so that a
/// cursor (epoch, position, seed) alone reproduces the stream on any .NET version.
/// </summary>
internal sealed class DataRng(ulong seed)
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

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A seed for a derived stream (same formula as the task generators use).</summary>
    public static ulong Derive(ulong seed, ulong index) => new DataRng(seed ^ (index * 0xD1B54A32D192ED03UL)).NextUInt64();
}
