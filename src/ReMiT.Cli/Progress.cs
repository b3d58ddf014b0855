using System.Diagnostics;

namespace ReMiT.Cli;

/// <summary>
/// Progress for long commands: a bar redrawn in place on a terminal, a plain line every few seconds
/// otherwise (pod logs, CI), each with the rate and the estimated time left.
/// </summary>
internal sealed class Progress(string label, long total, TextWriter output)
{
    private static readonly TimeSpan PlainInterval = TimeSpan.FromSeconds(5);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly bool _interactive = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected;
    private TimeSpan _lastDraw = TimeSpan.Zero;
    private long _done;

    public void Tick(long count = 1)
    {
        _done += count;
        var now = _clock.Elapsed;
        var interval = _interactive ? TimeSpan.FromMilliseconds(200) : PlainInterval;
        if (now - _lastDraw < interval && _done < total) return;
        _lastDraw = now;
        Draw(now);
    }

    public void Done(string summary)
    {
        if (_interactive) output.Write("\r\u001b[2K");
        output.WriteLine($"{label}: {summary} ({_clock.Elapsed.TotalSeconds:F1} s)");
    }

    private void Draw(TimeSpan now)
    {
        double rate = _done / Math.Max(now.TotalSeconds, 1e-9);
        double fraction = total > 0 ? Math.Min(1.0, (double)_done / total) : 1.0;
        string eta = rate > 0 && total > _done ? TimeSpan.FromSeconds((total - _done) / rate).ToString(@"mm\:ss") : "00:00";
        string text = $"{label} {_done}/{total} ({fraction:P0}) | {rate:F1}/s | eta {eta}";
        if (_interactive)
        {
            const int width = 30;
            int filled = (int)(fraction * width);
            output.Write($"\r\u001b[2K[{new string('#', filled)}{new string('.', width - filled)}] {text}");
        }
        else output.WriteLine(text);
    }
}
