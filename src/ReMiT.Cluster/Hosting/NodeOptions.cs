using System.Globalization;
using ReMiT.Cluster.Hosting.Tls;
using ReMiT.Cluster.Messages.Serialization;

namespace ReMiT.Cluster.Hosting;

/// <summary>
/// How one node joins a run. Every field can come from the command line, a node config file
/// (JSON, keys as below) or the environment (REMIT_* — what containers and the Helm chart set);
/// the environment wins over the file, the command line over both.
/// </summary>
public sealed record NodeOptions
{
    public static readonly string[] KnownRoles = ["coordinator", "rollout", "verifier", "guide", "learner"];

    /// <summary>Roles this process takes (one ActorSystem, one actor per role).</summary>
    public IReadOnlyList<string> Roles { get; init; } = [];
    /// <summary>
    /// Seed node addresses, e.g. akka.ssl.tcp://remit@coordinator-0.remit:4053; empty = this node founds the
    /// cluster. akka.tcp:// and akka.ssl.tcp:// are both accepted and joined with this node's own scheme (<see cref="SeedAddresses"/>).
    /// </summary>
    public IReadOnlyList<string> SeedNodes { get; init; } = [];
    /// <summary>How the node finds the cluster: static <see cref="SeedNodes"/>, or Cluster Bootstrap through the Kubernetes API (REMIT_DISCOVERY).</summary>
    public ClusterDiscovery Discovery { get; init; } = ClusterDiscovery.Seeds;
    /// <summary>Settings of <see cref="ClusterDiscovery.Kubernetes"/> (REMIT_K8S_*, REMIT_MANAGEMENT_*); unused with seeds.</summary>
    public KubernetesDiscoveryOptions Kubernetes { get; init; } = new();
    /// <summary>Host name other nodes reach this one by (a pod's DNS name in Kubernetes).</summary>
    public string Hostname { get; init; } = "127.0.0.1";
    /// <summary>Interface remoting (and /metrics) listens on: every interface for a cluster node, 127.0.0.1 for the one-process flywheel.</summary>
    public string BindHostname { get; init; } = AnyInterface;
    /// <summary>Akka remoting port; 0 picks a free one (fine for a founding or a single node).</summary>
    public int Port { get; init; } = 4053;
    /// <summary>Prometheus /metrics port; 0 = no endpoint.</summary>
    public int MetricsPort { get; init; } = 9464;
    /// <summary>The run directory (shared storage on a cluster).</summary>
    public string RunDirectory { get; init; } = "";
    /// <summary>Run preset or config file; only the coordinator reads it (it prepares the run directory).</summary>
    public string Preset { get; init; } = "";
    public IReadOnlyList<string> Overrides { get; init; } = [];
    public bool Resume { get; init; }
    /// <summary>Resume when the run directory already holds a run, else start one (what a restarted coordinator pod wants).</summary>
    public bool AutoResume { get; init; }
    public string Device { get; init; } = "cpu";
    /// <summary>Seconds membership must be stable before the split-brain resolver downs unreachable members (REMIT_DOWN_AFTER_S).</summary>
    public double DownAfterS { get; init; } = RemitHocon.SplitBrainStableAfter.TotalSeconds;
    /// <summary>Seconds of missed heartbeats before a member counts as unreachable (REMIT_HEARTBEAT_PAUSE_S): a GC pause must not down a node.</summary>
    public double HeartbeatPauseS { get; init; } = RemitHocon.AcceptableHeartbeatPause.TotalSeconds;

    /// <summary>The run's CA and this node's certificate and key (REMIT_TLS_CA, REMIT_TLS_CERT, REMIT_TLS_KEY).</summary>
    public NodeTlsFiles Tls { get; init; } = NodeTlsFiles.None;
    /// <summary>
    /// Remoting without TLS (--insecure, REMIT_INSECURE=1): anyone who can reach the port can join the cluster
    /// and send it messages. Only the one-process flywheel, bound to 127.0.0.1, runs this way by default.
    /// </summary>
    public bool Insecure { get; init; }

    public const string ActorSystemName = "remit";
    public const string AnyInterface = "0.0.0.0";

    /// <summary>Akka's address scheme for this node: akka.ssl.tcp with TLS, akka.tcp without.</summary>
    public string Scheme => Insecure ? "akka.tcp" : "akka.ssl.tcp";

    /// <summary>The seed nodes in this node's own scheme (a seed written akka.tcp:// is joined over TLS when TLS is on, and the reverse).</summary>
    public IReadOnlyList<string> SeedAddresses => SeedNodes.Select(s =>
        s.StartsWith(TlsSeedPrefix, StringComparison.Ordinal) ? $"{Scheme}://{s[TlsSeedPrefix.Length..]}"
        : s.StartsWith(PlainSeedPrefix, StringComparison.Ordinal) ? $"{Scheme}://{s[PlainSeedPrefix.Length..]}"
        : s).ToList();

    private const string PlainSeedPrefix = "akka.tcp://";
    private const string TlsSeedPrefix = "akka.ssl.tcp://";

    /// <summary>Every problem with these options, each naming its setting.</summary>
    public IReadOnlyList<string> Validate()
    {
        var e = new List<string>();
        if (Roles.Count == 0) e.Add("no role given: --role coordinator|rollout|verifier|guide|learner (comma-separated for several).");
        foreach (string r in Roles)
            if (!KnownRoles.Contains(r)) e.Add($"unknown role '{r}'; expected one of {string.Join(", ", KnownRoles)}.");
        if (Port is < 0 or > 65535) e.Add($"port {Port} is not a TCP port.");
        if (MetricsPort is < 0 or > 65535) e.Add($"metrics port {MetricsPort} is not a TCP port.");
        if (!(DownAfterS > 0)) e.Add($"down-after {DownAfterS} s (REMIT_DOWN_AFTER_S) must be positive.");
        if (!(HeartbeatPauseS > 0)) e.Add($"heartbeat pause {HeartbeatPauseS} s (REMIT_HEARTBEAT_PAUSE_S) must be positive.");
        if (string.IsNullOrWhiteSpace(RunDirectory)) e.Add("no run directory: --run-dir DIR or REMIT_RUN_DIR.");
        if (Discovery == ClusterDiscovery.Kubernetes)
        {
            // Cluster Bootstrap refuses to run beside configured seeds (it would join those instead), so both is a mistake.
            if (SeedNodes.Count > 0)
                e.Add($"--seed-nodes (REMIT_SEED_NODES) and {ClusterDiscoveryNames.Variable}=kubernetes exclude each other: with kubernetes discovery the seeds come from the API server; drop one.");
            e.AddRange(Kubernetes.Validate(Port, MetricsPort));
        }
        else if (!Roles.Contains("coordinator") && SeedNodes.Count == 0)
            e.Add("a node without the coordinator role must be given --seed-nodes (REMIT_SEED_NODES) to find the cluster, or --discovery kubernetes.");
        foreach (string s in SeedNodes)
            if (!s.StartsWith($"{PlainSeedPrefix}{ActorSystemName}@", StringComparison.Ordinal) && !s.StartsWith($"{TlsSeedPrefix}{ActorSystemName}@", StringComparison.Ordinal))
                e.Add($"seed node '{s}' must look like akka.tcp://{ActorSystemName}@HOST:PORT (or akka.ssl.tcp://{ActorSystemName}@HOST:PORT).");
        if (!Insecure && Tls.Missing() is { Count: > 0 } missing)
            e.Add($"{string.Join(", ", missing)} not set: {NodeTlsIdentity.RequirementText}");
        return e;
    }

    /// <summary>Applies REMIT_* environment variables on top of these options.</summary>
    public NodeOptions WithEnvironment(Func<string, string?> env)
    {
        var o = this;
        if (env("REMIT_ROLE") is { Length: > 0 } role) o = o with { Roles = Split(role) };
        if (env("REMIT_SEED_NODES") is { Length: > 0 } seeds) o = o with { SeedNodes = Split(seeds) };
        if (env("REMIT_HOSTNAME") is { Length: > 0 } host) o = o with { Hostname = host };
        if (env("REMIT_PORT") is { Length: > 0 } port) o = o with { Port = EnvironmentValues.Int("REMIT_PORT", port) };
        if (env("REMIT_METRICS_PORT") is { Length: > 0 } metrics) o = o with { MetricsPort = EnvironmentValues.Int("REMIT_METRICS_PORT", metrics) };
        if (env("REMIT_RUN_DIR") is { Length: > 0 } dir) o = o with { RunDirectory = dir };
        if (env("REMIT_PRESET") is { Length: > 0 } preset) o = o with { Preset = preset };
        if (env("REMIT_DEVICE") is { Length: > 0 } device) o = o with { Device = device };
        if (env("REMIT_DOWN_AFTER_S") is { Length: > 0 } down) o = o with { DownAfterS = EnvironmentValues.Seconds("REMIT_DOWN_AFTER_S", down) };
        if (env("REMIT_HEARTBEAT_PAUSE_S") is { Length: > 0 } pause) o = o with { HeartbeatPauseS = EnvironmentValues.Seconds("REMIT_HEARTBEAT_PAUSE_S", pause) };
        o = o with { Tls = o.Tls.WithEnvironment(env) };
        if (env(ClusterDiscoveryNames.Variable) is { Length: > 0 } discovery) o = o with { Discovery = ClusterDiscoveryNames.Parse(discovery) };
        o = o with { Kubernetes = o.Kubernetes.WithEnvironment(env) };
        if (env("REMIT_INSECURE") is { Length: > 0 } insecure) o = o with { Insecure = EnvironmentValues.Bool("REMIT_INSECURE", insecure) };
        if (env("REMIT_RESUME") is { Length: > 0 } resume)
            o = resume switch
            {
                "1" or "true" => o with { Resume = true },
                "0" or "false" => o with { Resume = false },
                "auto" => o with { AutoResume = true },
                _ => throw new ArgumentException($"REMIT_RESUME='{resume}': expected true, false or auto."),
            };
        return o;
    }

    public static IReadOnlyList<string> Split(string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
