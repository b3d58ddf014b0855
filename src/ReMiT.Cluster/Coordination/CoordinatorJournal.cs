using System.Text;
using System.Text.Json;
using ReMiT.Training.Storage;

namespace ReMiT.Cluster.Coordination;

/// <summary>
/// The coordinator's append-only journal in the run directory (<c>coordinator/journal.jsonl</c>): one JSON
/// record per line, each fsync'd before the coordinator acts on it, so a coordinator started on the same run
/// directory (the singleton moved, the pod restarted, <c>--resume</c>) continues where the last one stopped.
/// At a stage boundary the file is replaced, atomically, by one <see cref="StageStartedRecord"/> (the snapshot).
/// A last line cut short by a kill is tolerated (reported, and cut off before the next append); any other
/// line that does not parse stops the start with the file and the line number.
/// </summary>
public sealed class CoordinatorJournal : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly string _path;
    private FileStream _file;

    private CoordinatorJournal(string path, FileStream file)
    {
        _path = path;
        _file = file;
    }

    /// <summary>Where a run's journal lives.</summary>
    public static string PathIn(string runDirectory) => Path.Combine(runDirectory, "coordinator", "journal.jsonl");

    /// <summary>What a journal holds, and a note when its last line was torn (cut short by a kill while it was written).</summary>
    public sealed record Contents(IReadOnlyList<JournalRecord> Records, long GoodLength, string? TornTail);

    /// <summary>Reads a journal (an absent file is an empty journal).</summary>
    /// <exception cref="InvalidDataException">A line other than a torn last one does not parse; the message names the file and the line.</exception>
    public static Contents Read(string path)
    {
        if (!File.Exists(path)) return new Contents([], 0, null);
        byte[] bytes = File.ReadAllBytes(path);
        var records = new List<JournalRecord>();
        int start = 0, line = 0;
        while (start < bytes.Length)
        {
            line++;
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            bool complete = end >= 0;
            int stop = complete ? end : bytes.Length;
            try
            {
                records.Add(JsonSerializer.Deserialize<JournalRecord>(bytes.AsSpan(start, stop - start), Json)
                            ?? throw new JsonException("the line is null"));
            }
            catch (Exception e) when (e is JsonException or NotSupportedException)
            {
                // Appends end with a newline after the whole record: a last line without one was never finished.
                if (!complete)
                    return new Contents(records, start, $"{path} line {line}: the last record was cut short ({stop - start} bytes, no newline) and is ignored");
                throw new InvalidDataException(
                    $"{path} line {line}: not a journal record ({e.Message}). The coordinator's journal is damaged; " +
                    "move it away to resume from the run directory alone (the current RL stage's verified rollouts are then generated again).", e);
            }
            if (!complete) return new Contents(records, start, $"{path} line {line}: the last record has no newline and is ignored");
            start = end + 1;
        }
        return new Contents(records, bytes.Length, null);
    }

    /// <summary>Opens a journal for appending after its last good record (a torn tail is cut off).</summary>
    public static CoordinatorJournal Open(string path, long goodLength)
    {
        string directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        bool created = !File.Exists(path);
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.Read);
        if (created) Fsync.Directory(directory); // the new entry itself must survive a crash
        if (file.Length != goodLength) { file.SetLength(goodLength); file.Flush(flushToDisk: true); }
        file.Seek(0, SeekOrigin.End);
        return new CoordinatorJournal(path, file);
    }

    /// <summary>Appends one record and forces it to the disk.</summary>
    public void Append(JournalRecord record)
    {
        _file.Write(Line(record));
        _file.Flush(flushToDisk: true);
    }

    /// <summary>
    /// The snapshot at a stage boundary: the journal becomes <paramref name="first"/> alone, replaced atomically
    /// (written beside it, fsync'd, renamed over it, the directory fsync'd), so a kill at any point leaves
    /// either the old journal or the new one.
    /// </summary>
    public void Restart(JournalRecord first)
    {
        string next = _path + ".next";
        using (var file = new FileStream(next, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(Line(first));
            file.Flush(flushToDisk: true);
        }
        _file.Dispose();
        File.Move(next, _path, overwrite: true);
        Fsync.Directory(Path.GetDirectoryName(_path)!);
        _file = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    private static byte[] Line(JournalRecord record) =>
        Encoding.UTF8.GetBytes(JsonSerializer.Serialize(record, Json) + "\n");

    public void Dispose() => _file.Dispose();
}
