using System.Diagnostics;
using System.Text.Json;

namespace ReMiT.Training.Storage;

/// <summary>
/// One learner job per run directory: two would both publish "latest + 1" and checkpoint over each
/// other. The lock is a file created exclusively (O_EXCL) holding its owner. A lock whose owner ran on
/// this host and is gone (no such pid, or the pid now belongs to a process started later) is stale and
/// taken over; an owner on another host cannot be checked from here, so its lock is only ever removed
/// by hand. Disposing releases the lock if it is still ours.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "learner.lock";

    private readonly string _path;
    private readonly LockOwner _owner;

    private RunLock(string path, LockOwner owner)
    {
        _path = path;
        _owner = owner;
    }

    /// <summary>Takes the learner lock of <paramref name="runDirectory"/>.</summary>
    /// <exception cref="InvalidOperationException">Another live learner job holds it; the message names the file and the owner.</exception>
    public static RunLock Acquire(string runDirectory) => Acquire(runDirectory, LockOwner.Current(), StartTimeOf);

    /// <param name="startTimeOf">The start time (UTC) of the process with this pid on this host, or null when none runs.</param>
    internal static RunLock Acquire(string runDirectory, LockOwner me, Func<int, DateTimeOffset?> startTimeOf)
    {
        Directory.CreateDirectory(runDirectory);
        string path = Path.Combine(Path.GetFullPath(runDirectory), FileName);
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read))
                {
                    JsonSerializer.Serialize(stream, me);
                    stream.Flush(flushToDisk: true);
                }
                Fsync.Directory(Path.GetDirectoryName(path)!);
                return new RunLock(path, me);
            }
            catch (IOException) when (File.Exists(path))
            {
                var holder = ReadOwner(path);
                // A stale lock is taken over once; finding one again means another job raced us to it and won.
                if (attempt > 0 || holder is null || !IsStale(holder, startTimeOf))
                    throw new InvalidOperationException(
                        $"{path}: another learner job holds this run directory ({holder?.ToString() ?? "owner unreadable: it is being written or damaged"}). " +
                        "Two learner jobs on one run would overwrite each other's checkpoints and weights. Stop that job first; " +
                        "if it is gone (e.g. its host died), delete the lock file and start again with --resume.");
                File.Delete(path); // its owner is dead: take it over
            }
        }
    }

    /// <summary>True when <paramref name="holder"/> ran on this host and no longer runs.</summary>
    internal static bool IsStale(LockOwner holder, Func<int, DateTimeOffset?> startTimeOf)
    {
        if (holder.Host != Environment.MachineName) return false;
        var started = startTimeOf(holder.Pid);
        // Start times are read back with clock-tick precision; a later start means the pid was reused.
        return started is null || (started.Value - holder.Started).Duration() > TimeSpan.FromSeconds(1);
    }

    private static LockOwner? ReadOwner(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<LockOwner>(File.ReadAllText(path));
        }
        catch (Exception e) when (e is JsonException or IOException)
        {
            return null;
        }
    }

    private static DateTimeOffset? StartTimeOf(int pid)
    {
        try
        {
            using var p = Process.GetProcessById(pid);
            return p.HasExited ? null : p.StartTime.ToUniversalTime();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return null; // no such process
        }
    }

    public void Dispose()
    {
        // Only our own lock: a stale-lock takeover by another job must not be undone by us.
        if (ReadOwner(_path) == _owner) File.Delete(_path);
    }
}
