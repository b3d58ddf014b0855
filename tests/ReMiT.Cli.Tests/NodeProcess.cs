using System.Diagnostics;
using System.Text;

namespace ReMiT.Cli.Tests;

/// <summary>One <c>remit node</c> process of this build (as a container runs it), with its output captured.</summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private NodeProcess(Process process)
    {
        _process = process;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>remit node ARGS</c> with <paramref name="environment"/> added to this process's.</summary>
    public static NodeProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "remit"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.ArgumentList.Add("node");
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return new NodeProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start remit node"));
    }

    public int Pid => _process.Id;

    public bool Running => !_process.HasExited;

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>kill -9 (no shutdown, no leaving the cluster), and wait until it is gone.</summary>
    public void KillHard()
    {
        if (!_process.HasExited) _process.Kill(); // SIGKILL on Linux
        _process.WaitForExit();
    }

    public void Dispose()
    {
        try { KillHard(); } catch (InvalidOperationException) { }
        _process.Dispose();
    }
}
