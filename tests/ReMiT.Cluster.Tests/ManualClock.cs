namespace ReMiT.Cluster.Tests;

/// <summary>A wall clock and a monotonic clock moved by hand, independently (as NTP can step the one and not the other).</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = 1_000;
    public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    public override DateTimeOffset GetUtcNow() => Now;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => _ticks;

    /// <summary>Time passes: both clocks move.</summary>
    public void Advance(TimeSpan by)
    {
        _ticks += by.Ticks;
        Now += by;
    }
}
