using System.Text;

namespace ReMiT.Cli.JsonLines;

/// <summary>
/// Writes to a temporary file beside the target and renames it into place on <see cref="Commit"/>,
/// so an interrupted command never leaves a truncated output that looks complete.
/// </summary>
public sealed class AtomicTextWriter : IDisposable
{
    private readonly string _path;
    private readonly string _tmp;
    private bool _committed;

    public AtomicTextWriter(string path)
    {
        _path = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(_path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        _tmp = _path + $".tmp-{Environment.ProcessId}";
        Writer = new StreamWriter(_tmp, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
    }

    public TextWriter Writer { get; }

    public void Commit()
    {
        Writer.Flush();
        Writer.Dispose();
        File.Move(_tmp, _path, overwrite: true);
        _committed = true;
    }

    public void Dispose()
    {
        if (_committed) return;
        Writer.Dispose();
        File.Delete(_tmp);
    }
}
