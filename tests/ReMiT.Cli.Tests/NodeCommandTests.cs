namespace ReMiT.Cli.Tests;

/// <summary><c>remit node</c>'s settings: every mistake is named before any network or tensor work starts.</summary>
public sealed class NodeCommandTests : IDisposable
{
    private readonly CliHarness _h = new();

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData("no role given", "--run-dir", "x")]
    [InlineData("unknown role 'trainer'", "--role", "trainer", "--run-dir", "x")]
    [InlineData("must be given --seed-nodes", "--role", "rollout", "--run-dir", "x")]
    [InlineData("must look like akka.tcp://remit@HOST:PORT", "--role", "rollout", "--run-dir", "x", "--seed-nodes", "tcp://127.0.0.1:4053")]
    [InlineData("no run directory", "--role", "guide", "--seed-nodes", "akka.tcp://remit@127.0.0.1:4053")]
    [InlineData("the coordinator needs the run's config", "--role", "coordinator", "--run-dir", "x")]
    [InlineData("is not a TCP port", "--role", "verifier", "--run-dir", "x", "--seed-nodes", "akka.tcp://remit@127.0.0.1:4053", "--port", "70000")]
    [InlineData("REMIT_K8S_NAMESPACE not set", "--role", "rollout", "--run-dir", "x", "--discovery", "kubernetes", "--insecure")]
    [InlineData("--discovery='dns': expected seeds", "--role", "rollout", "--run-dir", "x", "--discovery", "dns")]
    [InlineData("REMIT_TLS_CA, REMIT_TLS_CERT, REMIT_TLS_KEY not set", "--role", "rollout", "--run-dir", "x", "--seed-nodes", "akka.ssl.tcp://remit@127.0.0.1:4053")]
    public void Node_BadSettings_ExitTwoNamingTheSetting(string expected, params string[] args)
    {
        var (exit, _, err) = _h.Run(["node", .. args]);
        Assert.Equal(2, exit);
        Assert.Contains(expected, err);
    }

    [Fact]
    public void Node_Insecure_NeedsNoTlsFiles()
    {
        var (exit, _, err) = _h.Run("node", "--role", "coordinator", "--run-dir", "x", "--insecure");
        Assert.Equal(2, exit);
        Assert.Contains("the coordinator needs the run's config", err); // the next thing it needs
        Assert.DoesNotContain("REMIT_TLS", err);
    }

    [Fact]
    public void Node_JsonNodeConfig_SettingsComeFromTheFile()
    {
        string file = _h.Write("node.json", """{ "roles": ["rollout"], "run_dir": "x", "seed_nodes": ["bad"] }""");
        var (exit, _, err) = _h.Run("node", "--config", file);
        Assert.Equal(2, exit);
        Assert.Contains("seed node 'bad'", err);
    }

    [Fact]
    public void Node_JsonNodeConfigWithUnknownKey_NamesTheKey()
    {
        string file = _h.Write("node.json", """{ "roles": ["rollout"], "run_dir": "x", "seed_node": ["akka.tcp://remit@h:1"] }""");
        var (exit, _, err) = _h.Run("node", "--config", file);
        Assert.Equal(2, exit);
        Assert.Contains("seed_node", err);
    }

    [Fact]
    public void Node_HoconNodeConfig_RemitBlockGivesTheSettings_CommandLineWins()
    {
        string file = _h.Write("node.conf", "remit { roles = [guide], run-dir = x, port = 0 }");
        var (exit, _, err) = _h.Run("node", "--config", file);
        Assert.Equal(2, exit);
        Assert.Contains("must be given --seed-nodes", err); // a guide, from the file
        (exit, _, err) = _h.Run("node", "--config", file, "--role", "trainer");
        Assert.Contains("unknown role 'trainer'", err);
    }

    [Fact]
    public void Node_RunConfigAsConfig_IsTheCoordinatorsPreset()
    {
        // A cluster/presets-format file names no roles or addresses: it is the run's config, so a
        // coordinator given only it and a run directory has everything it needs but a role.
        string preset = Path.Combine(ReMiT.Tests.Shared.RepoPaths.Root, "cluster", "presets", "smoke.json");
        var (exit, _, err) = _h.Run("node", "--config", preset, "--run-dir", "x");
        Assert.Equal(2, exit);
        Assert.Contains("no role given", err);
        Assert.DoesNotContain("config", err);
    }
}
