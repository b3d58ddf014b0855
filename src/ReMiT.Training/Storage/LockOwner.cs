using System.Diagnostics;

namespace ReMiT.Training.Storage;

/// <summary>Who holds a <see cref="RunLock"/>: enough to find the process, and to tell it from a later one that reused its pid.</summary>
public sealed record LockOwner(string Host, int Pid, DateTimeOffset Started)
{
    /// <summary>This process.</summary>
    public static LockOwner Current()
    {
        using var self = Process.GetCurrentProcess();
        return new LockOwner(Environment.MachineName, self.Id, self.StartTime.ToUniversalTime());
    }

    public override string ToString() => $"pid {Pid} on {Host}, started {Started:yyyy-MM-dd HH:mm:ss} UTC";
}
