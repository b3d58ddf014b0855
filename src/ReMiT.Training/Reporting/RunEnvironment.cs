using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ReMiT.Training.Reporting;

/// <summary>Where and from what code a report was built: git commit (when git answers) and the machine.</summary>
internal static class RunEnvironment
{
    public static string Machine() =>
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}), {RuntimeInformation.FrameworkDescription}";

    /// <summary>
    /// <c>git rev-parse HEAD</c> run from the run folder (so a run kept inside a checkout names that checkout),
    /// with a "-dirty" suffix when tracked files differ; null when git is missing or this is not a repository.
    /// </summary>
    public static string? GitCommit(string workingDir)
    {
        string dir = Directory.Exists(workingDir) ? workingDir : Environment.CurrentDirectory;
        string? head = Git(dir, "rev-parse HEAD");
        if (head is null) return null;
        string? status = Git(dir, "status --porcelain --untracked-files=no");
        return string.IsNullOrWhiteSpace(status) ? head : head + "-dirty";
    }

    /// <summary>
    /// The commit this build of remit was compiled from (the SDK stamps it into the informational version as
    /// "1.0.0+SHA"): the checkout can move on after a binary is built, so the report names both.
    /// </summary>
    public static string? BuildCommit()
    {
        string? version = typeof(RunEnvironment).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        int plus = version?.IndexOf('+') ?? -1;
        return plus >= 0 ? version![(plus + 1)..] : null;
    }

    private static string? Git(string dir, string arguments)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("git", arguments)
            {
                WorkingDirectory = dir,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null) return null;
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            // A wedged git (network filesystem) must not hang the report.
            if (!process.WaitForExit(TimeSpan.FromSeconds(5)))
            {
                process.Kill();
                return null;
            }
            return process.ExitCode == 0 ? stdout.Result.Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // git is not installed: the header says "unknown".
            return null;
        }
    }
}
