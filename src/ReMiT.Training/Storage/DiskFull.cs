namespace ReMiT.Training.Storage;

/// <summary>
/// Recognises "no space left on device" and turns it into an error that says what to do. .NET on
/// Unix reports an I/O error as an <see cref="IOException"/> whose HResult is the raw errno (ENOSPC
/// is 28 on Linux and macOS); on Windows it is the Win32 error wrapped as an HRESULT.
/// </summary>
public static class DiskFull
{
    /// <summary>ENOSPC in Linux's and macOS's errno.h.</summary>
    public const int Enospc = 28;

    // HRESULT_FROM_WIN32(ERROR_HANDLE_DISK_FULL = 39) and HRESULT_FROM_WIN32(ERROR_DISK_FULL = 112).
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);
    private const int WindowsDiskFull = unchecked((int)0x80070070);

    /// <summary>True when <paramref name="e"/> is a write that failed because the disk is full.</summary>
    public static bool Is(Exception e) =>
        e is IOException && e.HResult is Enospc or WindowsHandleDiskFull or WindowsDiskFull;

    /// <summary>
    /// The error to stop with: names <paramref name="path"/> and <paramref name="what"/> was being
    /// written, and says to free space and continue with --resume.
    /// </summary>
    public static DiskFullException Explain(IOException e, string path, string what) =>
        new($"The disk holding '{path}' is full (no space left on device) while writing {what}. " +
            "Free space there, then continue the run with --resume; it restarts from the last complete checkpoint.", e);
}
