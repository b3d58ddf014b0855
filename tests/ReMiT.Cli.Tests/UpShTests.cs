using System.Diagnostics;

namespace ReMiT.Cli.Tests;

/// <summary><c>cluster/local/up.sh</c>'s own argument checks (before it starts anything).</summary>
public sealed class UpShTests
{
    private static (int Exit, string Err) UpSh(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "local", "up.sh"));
        foreach (string a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, err);
    }

    [Theory]
    [InlineData("--out DIR is required", "--preset", "smoke")]
    [InlineData("--learners must be a positive integer, got 'two'", "--learners", "two", "--out", "/tmp/x")]
    [InlineData("--rollouts must be a positive integer, got '0'", "--rollouts", "0", "--out", "/tmp/x")]
    [InlineData("unknown option --nodes", "--nodes", "3")]
    public void UpSh_BadArguments_ExitTwoNamingThem(string expected, params string[] args)
    {
        var (exit, err) = UpSh(args);
        Assert.Equal(2, exit);
        Assert.Contains(expected, err);
    }
}
