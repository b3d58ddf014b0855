using System.Diagnostics;

namespace ReMiT.Cli.Tests;

/// <summary>
/// A test that runs <c>cluster/netns/up.sh</c>: skipped, with the reason <c>up.sh --check</c> gives, where this
/// machine cannot make network namespaces (not root, no iptables, a container without CAP_NET_ADMIN).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class NetnsFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Unavailable = new(Check);

    public NetnsFactAttribute()
    {
        if (Unavailable.Value is { } why) Skip = $"network namespaces are not available here: {why}";
    }

    private static string? Check()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "netns", "up.sh"));
        start.ArgumentList.Add("--check");
        using var p = Process.Start(start) ?? throw new InvalidOperationException("could not start cluster/netns/up.sh --check");
        string said = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? null : said.Trim();
    }
}
