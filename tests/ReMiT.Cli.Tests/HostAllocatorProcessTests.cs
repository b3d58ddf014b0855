using System.Diagnostics;
using ReMiT.Model;

namespace ReMiT.Cli.Tests;

/// <summary>
/// <c>remit</c> tunes glibc's malloc at start-up unless the environment sets its own variables. Tuning changes the
/// whole process, so each case runs <c>remit info</c> in a process of its own rather than in the test host.
/// </summary>
public sealed class HostAllocatorProcessTests
{
    private static string Info(string? variableSet)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string v in HostAllocator.EnvironmentVariables) start.Environment.Remove(v);
        if (variableSet is not null) start.Environment[variableSet] = "131072";
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "remit.dll"));
        start.ArgumentList.Add("info");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet remit.dll");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("remit info ran over 60 s.");
        }
        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    [Fact]
    public void Info_NoMallocVariables_SaysTuned()
    {
        Assert.Contains("host malloc: tuned for tensors (mmap above 32 MiB, no trimming)", Info(variableSet: null));
    }

    [Fact]
    public void Info_MallocVariableSet_SaysLeftToTheEnvironment()
    {
        Assert.Contains("host malloc: left to the environment (MALLOC_TOP_PAD_ is set)", Info("MALLOC_TOP_PAD_"));
    }
}
