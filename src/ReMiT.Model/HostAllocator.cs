using System.Collections;
using System.Runtime.InteropServices;

namespace ReMiT.Model;

/// <summary>
/// Tunes glibc's malloc for libtorch on the CPU. Every step frees and re-allocates tensors of the same sizes; with
/// glibc's defaults blocks above the (dynamic) mmap threshold go back to the kernel on free and the heap top is
/// trimmed, so the next step page-faults the same memory in again: a sampled evaluation spent 45% of its CPU in
/// the kernel (bench/RESULTS.md, "Host allocator"). Keeping freed memory in the process (mmap only above 32 MiB, no
/// trimming) cut that generation's CPU 5.4×, at the price of resident memory staying at its peak.
/// </summary>
public static class HostAllocator
{
    /// <summary>Blocks at least this large are still mmapped (and returned on free): weights, optimizer state.</summary>
    public const int MmapThresholdBytes = 32 * 1024 * 1024;

    /// <summary>The environment variables glibc reads for the same settings; if any is set, the user decides.</summary>
    public static readonly string[] EnvironmentVariables =
        ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_"];

    // mallopt parameters (malloc.h).
    private const int M_TRIM_THRESHOLD = -1, M_TOP_PAD = -2, M_MMAP_THRESHOLD = -3;

    /// <summary>What <see cref="Tune"/> did, for <c>remit info</c>.</summary>
    public static string Status { get; private set; } = "glibc defaults (not tuned)";

    /// <summary>Applies the settings once per process, unless the environment sets its own or this is not glibc.</summary>
    public static string Tune() => Tune(Environment.GetEnvironmentVariables());

    internal static string Tune(IDictionary environment)
    {
        if (EnvironmentVariables.FirstOrDefault(environment.Contains) is { } set)
            return Status = $"left to the environment ({set} is set)";
        if (!OperatingSystem.IsLinux())
            return Status = "not tuned (not Linux)";
        try
        {
            // Setting any of them also stops glibc from moving the thresholds on its own.
            bool ok = mallopt(M_MMAP_THRESHOLD, MmapThresholdBytes) == 1
                      & mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1
                      & mallopt(M_TOP_PAD, 64 * 1024 * 1024) == 1;
            return Status = ok ? $"tuned for tensors (mmap above {MmapThresholdBytes >> 20} MiB, no trimming)" : "not tuned (mallopt refused)";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return Status = "not tuned (no glibc mallopt, e.g. musl)";
        }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int param, int value);
}
