using ReMiT.Training.Storage;

namespace ReMiT.Training.Tests.Storage;

public sealed class RunLockTests : IDisposable
{
    private readonly string _run = Path.Combine(Path.GetTempPath(), $"remit-lock-{Guid.NewGuid():N}");
    private static readonly DateTimeOffset Started = new(2026, 12, 5, 6, 0, 0, TimeSpan.Zero);
    private static readonly LockOwner First = new(Environment.MachineName, 4242, Started);
    private static readonly LockOwner Second = new(Environment.MachineName, 4343, Started.AddMinutes(5));

    public void Dispose()
    {
        if (Directory.Exists(_run)) Directory.Delete(_run, recursive: true);
    }

    private string LockPath => Path.Combine(_run, RunLock.FileName);

    // Process table stand-ins: pid → start time, or null for "no such process".
    private static Func<int, DateTimeOffset?> Alive(params LockOwner[] owners) =>
        pid => owners.FirstOrDefault(o => o.Pid == pid)?.Started;

    [Fact]
    public void Acquire_HeldByALiveJob_RefusesNamingTheFileAndTheOwner()
    {
        using var held = RunLock.Acquire(_run, First, Alive(First, Second));
        var e = Assert.Throws<InvalidOperationException>(() => RunLock.Acquire(_run, Second, Alive(First, Second)));
        Assert.Contains(LockPath, e.Message);
        Assert.Contains("pid 4242", e.Message);
        Assert.Contains(Environment.MachineName, e.Message);
        Assert.True(File.Exists(LockPath));
    }

    [Fact]
    public void Acquire_OwnerDeadOnThisHost_TakesTheStaleLockOver()
    {
        RunLock.Acquire(_run, First, Alive(First)); // never disposed: its process was killed
        using var taken = RunLock.Acquire(_run, Second, Alive(Second));
        Assert.Contains("4343", File.ReadAllText(LockPath));
    }

    [Fact]
    public void Acquire_OwnerPidReusedByALaterProcess_TakesTheStaleLockOver()
    {
        RunLock.Acquire(_run, First, Alive(First));
        var reused = First with { Started = Started.AddHours(1) }; // same pid, another process
        using var taken = RunLock.Acquire(_run, Second, Alive(reused, Second));
        Assert.Contains("4343", File.ReadAllText(LockPath));
    }

    [Fact]
    public void Acquire_OwnerOnAnotherHost_IsNeverTakenOver()
    {
        var remote = new LockOwner("some-other-host", 4242, Started);
        RunLock.Acquire(_run, remote, Alive());
        var e = Assert.Throws<InvalidOperationException>(() => RunLock.Acquire(_run, Second, Alive(Second)));
        Assert.Contains("some-other-host", e.Message);
        Assert.Contains("delete the lock file", e.Message);
    }

    [Fact]
    public void Dispose_ReleasesOnlyItsOwnLock()
    {
        var first = RunLock.Acquire(_run, First, Alive(First));
        first.Dispose();
        Assert.False(File.Exists(LockPath));

        var stale = RunLock.Acquire(_run, First, Alive(First));
        using var taken = RunLock.Acquire(_run, Second, Alive(Second)); // First died; Second took over
        stale.Dispose();                                                // a late release by First
        Assert.True(File.Exists(LockPath));                             // leaves Second's lock alone
    }

    [Fact]
    public void Acquire_ThisProcess_RecordsItsOwnPidAndHost()
    {
        using var held = RunLock.Acquire(_run);
        string text = File.ReadAllText(LockPath);
        Assert.Contains(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), text);
        Assert.Contains(Environment.MachineName, text);
        Assert.Throws<InvalidOperationException>(() => RunLock.Acquire(_run)); // this process is alive
    }
}
