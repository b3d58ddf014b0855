using System.Runtime.InteropServices;
using System.Text;

namespace ReMiT.Training.Storage;

/// <summary>
/// Forces what was written to the disk itself, so a power loss or a kill of the machine after a rename
/// cannot leave the new name pointing at data that never reached the disk. A file's data needs
/// fsync(file); a new or renamed entry needs fsync(directory), which .NET has no API for (it refuses to
/// open a directory), hence the three libc calls.
/// </summary>
public static partial class Fsync
{
    private const int ReadOnly = 0;                 // O_RDONLY
    private const int Invalid = 22, NotSupported = 95; // EINVAL, EOPNOTSUPP: file systems that cannot sync a directory

    /// <summary>Flushes the file at <paramref name="path"/> to the disk.</summary>
    public static void File(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    /// <summary>Flushes the entries of <paramref name="directory"/> (creations, renames, deletions) to the disk.</summary>
    public static void Directory(string directory)
    {
        if (OperatingSystem.IsWindows()) return; // NTFS journals metadata; there is no directory handle to flush
        int fd = Open(directory, ReadOnly);
        if (fd < 0) throw Error("open", directory);
        try
        {
            if (FsyncNative(fd) != 0 && Marshal.GetLastPInvokeError() is not (Invalid or NotSupported))
                throw Error("fsync", directory);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>Writes <paramref name="text"/> (UTF-8, no BOM) to <paramref name="path"/> and flushes it to the disk.</summary>
    public static void WriteText(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        stream.Write(new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));
        stream.Flush(flushToDisk: true);
    }

    // The raw errno as HResult, as .NET itself reports I/O errors on Unix (so DiskFull recognises ENOSPC here too).
    private static IOException Error(string call, string path)
    {
        int errno = Marshal.GetLastPInvokeError();
        return new IOException($"{call}('{path}') failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int FsyncNative(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
