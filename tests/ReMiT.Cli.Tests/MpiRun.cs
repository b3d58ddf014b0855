using System.Diagnostics;

namespace ReMiT.Cli.Tests;

/// <summary>
/// Runs this build's <c>remit</c> under Open MPI's mpirun. A machine without mpirun fails the test
/// with what to install: CI installs openmpi-bin, so a missing one is a setup error, not a skip.
/// </summary>
internal static class MpiRun
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static (int Exit, string Out, string Err) Remit(int ranks, params string[] args)
    {
        string mpirun = Find("mpirun")
            ?? throw new InvalidOperationException("mpirun is not on PATH: install openmpi-bin (apt-get install openmpi-bin, or run scripts/setup.sh).");
        var start = new ProcessStartInfo(mpirun)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment = { ["TERM"] = "dumb" }, // mpirun gives ranks a pty; .NET would prefix output with terminal escapes
        };
        // Root in CI containers needs the flag; --oversubscribe lets 2 ranks run on a 1-core runner.
        foreach (string a in (string[])["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(),
                                         Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet",
                                         Path.Combine(AppContext.BaseDirectory, "remit.dll"), .. args])
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {mpirun}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"mpirun -np {ranks} remit {string.Join(' ', args)} ran over {Timeout.TotalSeconds} s; a rank may be stuck in a collective.");
        }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>The last JSON line rank 0 printed (mpirun's pty may prefix terminal escapes).</summary>
    public static string LastJson(string output) =>
        output.Split('\n').Where(l => l.Contains('{')).Select(l => l[l.IndexOf('{')..].Trim()).LastOrDefault()
        ?? throw new InvalidOperationException($"no JSON line in:\n{output}");

    private static string? Find(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program)).FirstOrDefault(File.Exists);
}
