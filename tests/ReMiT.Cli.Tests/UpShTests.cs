using System.Diagnostics;

namespace ReMiT.Cli.Tests;

/// <summary><c>cluster/local/up.sh</c>'s and <c>cluster/netns/fault.sh</c>'s own argument checks (before they touch anything).</summary>
public sealed class UpShTests
{
    private static (int Exit, string Err) UpSh(params string[] args) => Script(["local", "up.sh"], args);

    private static (int Exit, string Err) Script(string[] path, params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine([ReMiT.Tests.Shared.RepoPaths.Root, "cluster", .. path]));
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

    [Fact]
    public void FaultSh_NotANetnsRun_ExitTwoNamingTheMissingNodeList()
    {
        string dir = Directory.CreateTempSubdirectory("remit-fault-").FullName;
        try
        {
            var (exit, err) = Script(["netns", "fault.sh"], dir, "rollout-1", "partition");
            Assert.Equal(2, exit);
            Assert.Contains($"{dir}/netns/nodes not found", err);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Theory]
    [InlineData("no node 'rollout-9' in", "rollout-9", "partition")]
    [InlineData("unknown fault 'delay'; expected partition or heal", "rollout-1", "delay")]
    public void FaultSh_UnknownNodeOrFault_ExitTwoNamingIt(string expected, string node, string fault)
    {
        string dir = Directory.CreateTempSubdirectory("remit-fault-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "netns"));
            File.WriteAllText(Path.Combine(dir, "netns", "nodes"), "coordinator remit-1-coordinator 198.18.0.2\nrollout-1 remit-1-rollout-1 198.18.0.3\n");
            var (exit, err) = Script(["netns", "fault.sh"], dir, node, fault);
            Assert.Equal(2, exit);
            Assert.Contains(expected, err);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
