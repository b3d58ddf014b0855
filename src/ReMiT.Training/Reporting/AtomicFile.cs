using System.Text;
using ReMiT.Training.Storage;

namespace ReMiT.Training.Reporting;

/// <summary>
/// Writes a file beside its target and renames it into place, so a reader (or a crash) never sees
/// half a results.json or half a PNG. The data is fsync'd before the rename and the directory after
/// it, so a machine crash cannot leave the new name on an empty or truncated file.
/// </summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string text) =>
        WriteAllBytes(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text));

    public static void WriteAllBytes(string path, byte[] bytes)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        // Process id and a random suffix: two writers in one run folder never share a temp file.
        string tmp = $"{full}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
            if (!string.IsNullOrEmpty(dir)) Fsync.Directory(dir);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }
}
