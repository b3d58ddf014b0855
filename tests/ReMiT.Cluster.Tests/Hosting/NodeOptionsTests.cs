using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Hosting.Tls;

namespace ReMiT.Cluster.Tests.Hosting;

public sealed class NodeOptionsTests
{
    private static Func<string, string?> Env(params (string Key, string Value)[] vars) =>
        key => vars.FirstOrDefault(v => v.Key == key).Value;

    [Fact]
    public void WithEnvironment_EveryVariable_OverridesItsSetting()
    {
        var o = new NodeOptions { Roles = ["guide"], Port = 1 }.WithEnvironment(Env(
            ("REMIT_ROLE", "rollout, verifier"), ("REMIT_SEED_NODES", "akka.tcp://remit@a:1,akka.tcp://remit@b:2"),
            ("REMIT_HOSTNAME", "pod-0.svc"), ("REMIT_PORT", "4053"), ("REMIT_METRICS_PORT", "9464"), ("REMIT_RUN_DIR", "/runs/x"),
            ("REMIT_PRESET", "tiny"), ("REMIT_DEVICE", "cuda"), ("REMIT_RESUME", "auto"),
            ("REMIT_TLS_CA", "/tls/ca.crt"), ("REMIT_TLS_CERT", "/tls/tls.crt"), ("REMIT_TLS_KEY", "/tls/tls.key")));
        Assert.Equal(["rollout", "verifier"], o.Roles);
        Assert.Equal(["akka.tcp://remit@a:1", "akka.tcp://remit@b:2"], o.SeedNodes);
        Assert.Equal(("pod-0.svc", 4053, 9464, "/runs/x", "tiny", "cuda"), (o.Hostname, o.Port, o.MetricsPort, o.RunDirectory, o.Preset, o.Device));
        Assert.True(o.AutoResume);
        Assert.False(o.Resume);
        Assert.Equal(new NodeTlsFiles("/tls/ca.crt", "/tls/tls.crt", "/tls/tls.key"), o.Tls);
        Assert.False(o.Insecure);
        Assert.Empty(o.Validate());
    }

    [Theory]
    [InlineData("REMIT_PORT", "four", "REMIT_PORT='four' is not an integer")]
    [InlineData("REMIT_RESUME", "maybe", "expected true, false or auto")]
    [InlineData("REMIT_INSECURE", "yes", "REMIT_INSECURE='yes': expected true or false")]
    public void WithEnvironment_BadValue_NamesTheVariable(string key, string value, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => new NodeOptions().WithEnvironment(Env((key, value))));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void AkkaConfig_RolesAddressesAndTheSplitBrainResolver_AreExplicit()
    {
        var config = ClusterNode.AkkaConfig(new NodeOptions
        {
            Roles = ["rollout"], Hostname = "pod-1.svc", Port = 4054, SeedNodes = ["akka.tcp://remit@pod-0.svc:4053"], RunDirectory = "x",
        });
        Assert.Equal("cluster", config.GetString("akka.actor.provider"));
        Assert.Equal(["rollout"], config.GetStringList("akka.cluster.roles"));
        Assert.Equal(["akka.ssl.tcp://remit@pod-0.svc:4053"], config.GetStringList("akka.cluster.seed-nodes")); // TLS by default
        Assert.True(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal("0.0.0.0", config.GetString("akka.remote.dot-netty.tcp.hostname"));
        Assert.Equal("pod-1.svc", config.GetString("akka.remote.dot-netty.tcp.public-hostname"));
        Assert.Equal(4054, config.GetInt("akka.remote.dot-netty.tcp.port"));
        Assert.Equal("keep-majority", config.GetString("akka.cluster.split-brain-resolver.active-strategy"));
        Assert.Contains("SplitBrainResolverProvider", config.GetString("akka.cluster.downing-provider-class"));
        Assert.Equal(4 * 1024 * 1024, config.GetByteSize("akka.remote.dot-netty.tcp.maximum-frame-size"));
    }

    [Fact]
    public void AkkaConfig_Defaults_DownAfter20sOfStabilityAndToleratePauses10s()
    {
        // A stop-the-world GC or a checkpoint write of several seconds must not get a node downed.
        var config = ClusterNode.AkkaConfig(new NodeOptions { Roles = ["rollout"], RunDirectory = "x", SeedNodes = ["akka.tcp://remit@a:1"] });
        Assert.Equal(TimeSpan.FromSeconds(20), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromSeconds(10), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
    }

    [Fact]
    public void AkkaConfig_Defaults_SchedulerTicks20TimesASecond()
    {
        // An idle node woke 100 times a second at Akka's 10 ms default tick (bench/RESULTS.md, idle nodes).
        var config = ClusterNode.AkkaConfig(new NodeOptions { Roles = ["rollout"], RunDirectory = "x", SeedNodes = ["akka.tcp://remit@a:1"] });
        Assert.Equal(TimeSpan.FromMilliseconds(50), config.GetTimeSpan("akka.scheduler.tick-duration"));
    }

    [Fact]
    public void WithEnvironment_TimingVariables_SetTheAkkaTimings()
    {
        var o = new NodeOptions { Roles = ["rollout"], RunDirectory = "x", SeedNodes = ["akka.tcp://remit@a:1"], Insecure = true }
            .WithEnvironment(Env(("REMIT_DOWN_AFTER_S", "30"), ("REMIT_HEARTBEAT_PAUSE_S", "12.5")));
        var config = ClusterNode.AkkaConfig(o);
        Assert.Equal(TimeSpan.FromSeconds(30), config.GetTimeSpan("akka.cluster.split-brain-resolver.stable-after"));
        Assert.Equal(TimeSpan.FromSeconds(12.5), config.GetTimeSpan("akka.cluster.failure-detector.acceptable-heartbeat-pause"));
        Assert.Contains("REMIT_HEARTBEAT_PAUSE_S", Assert.Single((o with { HeartbeatPauseS = 0 }).Validate()));
        Assert.Throws<ArgumentException>(() => new NodeOptions().WithEnvironment(Env(("REMIT_DOWN_AFTER_S", "soon"))));
    }

    [Fact]
    public void Validate_NoTlsFilesAndNotInsecure_NamesEveryMissingVariableAndTheWayOut()
    {
        var o = new NodeOptions { Roles = ["rollout"], RunDirectory = "x", SeedNodes = ["akka.ssl.tcp://remit@a:1"] }
            .WithEnvironment(Env(("REMIT_TLS_CERT", "/tls/tls.crt")));
        string problem = Assert.Single(o.Validate());
        Assert.StartsWith("REMIT_TLS_CA, REMIT_TLS_KEY not set", problem);
        Assert.Contains("--insecure", problem);
    }

    [Fact]
    public void WithEnvironment_Insecure_NeedsNoTlsFilesAndTalksPlainTcp()
    {
        var o = new NodeOptions { Roles = ["rollout"], RunDirectory = "x", SeedNodes = ["akka.ssl.tcp://remit@a:1", "akka.tcp://remit@b:2"] }
            .WithEnvironment(Env(("REMIT_INSECURE", "1")));
        Assert.True(o.Insecure);
        Assert.Empty(o.Validate());
        var config = ClusterNode.AkkaConfig(o);
        Assert.False(config.GetBoolean("akka.remote.dot-netty.tcp.enable-ssl"));
        Assert.Equal(["akka.tcp://remit@a:1", "akka.tcp://remit@b:2"], config.GetStringList("akka.cluster.seed-nodes"));
    }

    [Fact]
    public void SeedAddresses_EitherSchemeGiven_AreJoinedWithTheNodesOwnScheme()
    {
        var o = new NodeOptions { SeedNodes = ["akka.tcp://remit@a:1", "akka.ssl.tcp://remit@b:2"] };
        Assert.Equal(["akka.ssl.tcp://remit@a:1", "akka.ssl.tcp://remit@b:2"], o.SeedAddresses);
        Assert.Equal(["akka.tcp://remit@a:1", "akka.tcp://remit@b:2"], (o with { Insecure = true }).SeedAddresses);
    }
}
