using System.Globalization;

namespace ReMiT.Training.Benchmarks;

/// <summary>
/// This process's resident memory from Linux's /proc/self/status: VmRSS now and VmHWM, the peak since the process
/// started or since <see cref="ResetPeak"/>. Resident pages are what a CPU run actually costs the machine; LibTorch's
/// CPU allocator has no statistics of its own to ask.
/// </summary>
public static class ResidentMemory
{
    private const string Status = "/proc/self/status";

    /// <exception cref="PlatformNotSupportedException">Not Linux: there is no /proc/self/status to read.</exception>
    public static long CurrentBytes() => Read("VmRSS:");

    public static long PeakBytes() => Read("VmHWM:");

    /// <summary>
    /// Sets the peak back to the current resident size (Linux ≥ 4.0: writing 5 to /proc/self/clear_refs), so a
    /// later <see cref="PeakBytes"/> sees only what came after. Returns false where the kernel refuses.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long Read(string key)
    {
        if (!File.Exists(Status))
            throw new PlatformNotSupportedException($"{Status} does not exist: measuring resident memory needs Linux.");
        foreach (string line in File.ReadLines(Status))
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                // "VmRSS:	  123456 kB"
                string[] parts = line[key.Length..].Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], CultureInfo.InvariantCulture) * 1024;
            }
        throw new InvalidDataException($"{Status} has no '{key}' line.");
    }
}
