using System.Diagnostics;
using System.Text;

namespace ReMiT.Cli.Tests;

/// <summary>
/// Runs <c>cluster/local/up.sh</c> (or <c>cluster/netns/up.sh</c>) with this build's <c>remit</c> as a child
/// process (a real multi-process cluster on 127.0.0.1, or in a network namespace per node), finds or kills its
/// nodes by role, and cuts a netns node's network.
/// </summary>
internal sealed class LocalCluster : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public string RunDirectory { get; }

    private LocalCluster(string runDirectory, Process process)
    {
        RunDirectory = runDirectory;
        _process = process;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts <c>cluster/local/up.sh ARGS --out RUN</c> in the background.</summary>
    public static LocalCluster Start(string runDirectory, params string[] args) => Start("local", runDirectory, args, new Dictionary<string, string>());

    /// <summary>
    /// Starts <c>cluster/LAUNCHER/up.sh ARGS --out RUN</c> in the background: <paramref name="launcher"/> is "local"
    /// (processes on 127.0.0.1) or "netns" (a network namespace per node); <paramref name="environment"/> is added to up.sh's.
    /// </summary>
    public static LocalCluster Start(string launcher, string runDirectory, string[] args, IReadOnlyDictionary<string, string> environment)
    {
        string root = ReMiT.Tests.Shared.RepoPaths.Root;
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = root };
        start.ArgumentList.Add(Path.Combine(root, "cluster", launcher, "up.sh"));
        foreach (string a in args) start.ArgumentList.Add(a);
        start.ArgumentList.Add("--out");
        start.ArgumentList.Add(runDirectory);
        start.Environment["REMIT"] = Path.Combine(AppContext.BaseDirectory, "remit");
        start.Environment["TERM"] = "dumb";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return new LocalCluster(runDirectory, Process.Start(start) ?? throw new InvalidOperationException("could not start up.sh"));
    }

    /// <summary>Runs <c>cluster/netns/fault.sh RUN NODE FAULT</c> (partition or heal) on a netns cluster; fails the test if it fails.</summary>
    public void Fault(string node, string fault)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in (string[])[Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "netns", "fault.sh"), RunDirectory, node, fault])
            start.ArgumentList.Add(a);
        using var p = Process.Start(start) ?? throw new InvalidOperationException("could not start fault.sh");
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"fault.sh {node} {fault} exited {p.ExitCode}: {err}");
    }

    /// <summary>Whether up.sh is still running.</summary>
    public bool Running => !_process.HasExited;

    public string Output { get { lock (_output) return _output.ToString(); } }

    /// <summary>Waits for up.sh to end; returns its exit code (fails the test past <paramref name="timeout"/>).</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            Kill();
            throw new TimeoutException($"up.sh ran over {timeout.TotalSeconds:F0} s:\n{Output}\n{Logs()}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Waits until the coordinator's log (or the node log <paramref name="node"/>) contains <paramref name="text"/>.</summary>
    public void WaitForLog(string text, TimeSpan timeout, string node = "coordinator")
    {
        var clock = Stopwatch.StartNew();
        string log = Path.Combine(RunDirectory, "logs", node + ".log");
        while (!(File.Exists(log) && ReadShared(log).Contains(text, StringComparison.Ordinal)))
        {
            if (clock.Elapsed > timeout || _process.HasExited)
                throw new TimeoutException($"'{text}' never appeared in {node}.log:\n{Output}\n{Logs()}");
            Thread.Sleep(100);
        }
    }

    public void WaitFor(Func<bool> condition, string what, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout || _process.HasExited) throw new TimeoutException($"{what} never happened:\n{Output}\n{Logs()}");
            Thread.Sleep(100);
        }
    }

    /// <summary>Waits until <paramref name="count"/> policy versions have been published (weights/v*).</summary>
    public void WaitForPolicies(int count, TimeSpan timeout)
    {
        string weights = Path.Combine(RunDirectory, "weights");
        WaitFor(() => Directory.Exists(weights) && Directory.GetDirectories(weights, "v*").Length >= count, $"policy version {count}", timeout);
    }

    /// <summary>Pids of this run's <c>remit node</c> processes with <paramref name="role"/>.</summary>
    public IReadOnlyList<int> NodePids(string role)
    {
        var pids = new List<int>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string[] args;
            try { args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0'); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            int r = Array.IndexOf(args, "--role");
            if (args.Length > 1 && args.Contains("node") && r >= 0 && r + 1 < args.Length && args[r + 1] == role &&
                args.Contains(RunDirectory) && !args[0].EndsWith("bash", StringComparison.Ordinal))
                pids.Add(pid);
        }
        return pids;
    }

    /// <summary>kill -9 every node of <paramref name="role"/>; returns how many.</summary>
    public int KillNodes(string role)
    {
        var pids = NodePids(role);
        foreach (int pid in pids)
            try { Process.GetProcessById(pid).Kill(); } catch (ArgumentException) { } // already gone
        return pids.Count;
    }

    /// <summary>Every node log, for failure messages.</summary>
    public string Logs()
    {
        string dir = Path.Combine(RunDirectory, "logs");
        if (!Directory.Exists(dir)) return "(no logs)";
        return string.Join("\n", Directory.EnumerateFiles(dir, "*.log").Order()
            .Select(f => $"==== {Path.GetFileName(f)}\n{string.Join("\n", ReadShared(f).Split('\n').TakeLast(25))}"));
    }

    private static string ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return new StreamReader(stream).ReadToEnd();
    }

    private void Kill()
    {
        // SIGTERM first: up.sh stops its nodes and (netns) removes its namespaces; SIGKILL only if that hangs.
        using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            term?.WaitForExit();
        if (_process.WaitForExit(TimeSpan.FromSeconds(30))) return;
        try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        foreach (string role in new[] { "coordinator", "rollout", "verifier", "guide", "learner" }) KillNodes(role);
    }

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
