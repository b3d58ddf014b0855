using System.CommandLine;
using System.Text.Json;
using Akka.Configuration;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Hosting.Tls;
using ReMiT.Cluster.Metrics;
using ReMiT.Cluster.Mpi;
using ReMiT.Model;
using ReMiT.Training.Distributed;
using ReMiT.Training.Flywheel;

namespace ReMiT.Cli.Commands;

/// <summary>
/// <c>remit node</c>: one cluster member. Settings come from --config (our JSON, or HOCON with a
/// <c>remit { … }</c> block and any Akka overrides), then REMIT_* environment variables, then the
/// command line. Learners started by mpirun pick up their rank from Open MPI's environment.
/// </summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var role = new Option<string>("--role") { Description = "coordinator, rollout, verifier, guide, learner (comma-separated for several)." };
        var configFile = new Option<string?>("--config") { Description = "A run config (cluster/presets format; the coordinator prepares the run from it), or a node config: JSON with roles, seed_nodes, hostname, port, metrics_port, run_dir, preset, device — or HOCON with a remit { … } block plus Akka settings. Also REMIT_CONFIG." };
        var seeds = new Option<string?>("--seed-nodes") { Description = "Comma-separated seed addresses, e.g. akka.tcp://remit@127.0.0.1:4053." };
        var discovery = new Option<string?>("--discovery")
        {
            Description = "How the node finds the cluster (also REMIT_DISCOVERY): seeds (the default: --seed-nodes; a coordinator without them founds it) or " +
                          "kubernetes (Cluster Bootstrap through the Kubernetes API: a restarted pod rejoins the running cluster; needs REMIT_K8S_NAMESPACE, " +
                          "REMIT_K8S_LABEL_SELECTOR, REMIT_MANAGEMENT_HOSTNAME = the pod IP, REMIT_MANAGEMENT_PORT; the Helm chart sets them).",
        };
        var hostname = new Option<string?>("--hostname") { Description = "Host name other nodes reach this one by." };
        var port = new Option<int?>("--port") { Description = "Akka remoting port (0 = any free port)." };
        var metricsPort = new Option<int?>("--metrics-port") { Description = "Prometheus /metrics port (0 = off)." };
        var runDir = new Option<string?>("--run-dir") { Description = "The run directory (shared storage on a cluster)." };
        var preset = new Option<string?>("--preset") { Description = "Coordinator: run preset (smoke, tiny, small) or config file." };
        var set = new Option<string[]>("--set") { Description = "Coordinator: override one config value (repeatable).", AllowMultipleArgumentsPerToken = true };
        var resume = new Option<bool>("--resume") { Description = "Coordinator: continue the run in --run-dir." };
        var device = new Option<string?>("--device") { Description = "cpu, cuda, cuda:N or auto." };
        var insecure = new Option<bool>("--insecure")
        {
            Description = "Remoting without TLS (also REMIT_INSECURE=1): anyone who can reach the port can join. Without it the node needs " +
                          "REMIT_TLS_CA, REMIT_TLS_CERT and REMIT_TLS_KEY (PEM: the run's CA, this node's certificate and key).",
        };
        var command = new Command("node",
            "Run one member of a ReMiT cluster until the run finishes. The coordinator prepares the run directory and\n" +
            "drives the flywheel; the other roles pull work from it. Remoting is mutual TLS: every node presents a certificate\n" +
            "from the run's CA (REMIT_TLS_CA, REMIT_TLS_CERT, REMIT_TLS_KEY) and accepts only peers whose certificate chains to it.\n\n" +
            "Examples:\n  remit node --role coordinator --preset smoke --run-dir runs/c --port 4053\n" +
            "  remit node --role rollout --seed-nodes akka.ssl.tcp://remit@127.0.0.1:4053 --run-dir runs/c --port 0 --metrics-port 9465\n" +
            "  remit node --role verifier --discovery kubernetes --run-dir /data/runs/r   (in a pod; the Helm chart's default)\n" +
            "  mpirun -np 2 remit node --role learner --seed-nodes akka.ssl.tcp://remit@127.0.0.1:4053 --run-dir runs/c --port 0")
            { role, configFile, seeds, discovery, hostname, port, metricsPort, runDir, preset, set, resume, device, insecure };
        command.SetGuardedAction((p, output, error) =>
        {
            string? file = p.GetValue(configFile) ?? NonEmpty(Environment.GetEnvironmentVariable("REMIT_CONFIG"));
            var (options, akka) = file is not null ? NodeConfigFile.Load(file) : (new NodeOptions(), null);
            options = options.WithEnvironment(Environment.GetEnvironmentVariable);
            if (p.GetValue(role) is { } r) options = options with { Roles = NodeOptions.Split(r) };
            if (p.GetValue(seeds) is { } s) options = options with { SeedNodes = NodeOptions.Split(s) };
            if (p.GetValue(discovery) is { } disc) options = options with { Discovery = ClusterDiscoveryNames.Parse(disc, "--discovery") };
            if (p.GetValue(hostname) is { } h) options = options with { Hostname = h };
            if (p.GetValue(port) is int po) options = options with { Port = po };
            if (p.GetValue(metricsPort) is int mp) options = options with { MetricsPort = mp };
            if (p.GetValue(runDir) is { } d) options = options with { RunDirectory = d };
            if (p.GetValue(preset) is { } pr) options = options with { Preset = pr };
            if (p.GetValue(device) is { } dev) options = options with { Device = dev };
            if (p.GetValue(resume)) options = options with { Resume = true };
            if (p.GetValue(insecure)) options = options with { Insecure = true };
            if (options.AutoResume && !options.Resume && File.Exists(Path.Combine(options.RunDirectory, "config.json")))
                options = options with { Resume = true };
            var problems = options.Validate().ToList();
            if (options.Roles.Contains("coordinator") && string.IsNullOrWhiteSpace(options.Preset) && !options.Resume)
                problems.Add("the coordinator needs the run's config: --preset NAME|FILE (REMIT_PRESET), or --resume an existing run.");
            if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems));
            // A bad certificate, key or CA stops the node here, before it prepares the run or loads a model.
            // (An insecure node says so loudly when it starts listening, see ClusterNode.)
            if (!options.Insecure) NodeTlsIdentity.Load(options.Tls).Dispose();

            TorchRuntime.EnsureLoaded();
            RunContext? run = null;
            if (options.Roles.Contains("coordinator"))
            {
                var config = options.Resume && string.IsNullOrWhiteSpace(options.Preset)
                    ? ConfigLoader.Load(Path.Combine(options.RunDirectory, "config.json"))
                    : ConfigLoader.Load(Presets.Resolve(options.Preset), [.. options.Overrides, .. p.GetValue(set) ?? []]);
                run = RunContext.Prepare(config, options.RunDirectory, options.Resume, output);
            }
            // SIGTERM (Kubernetes, up.sh) and Ctrl-C stop the node gracefully: stages checkpoint at their next step
            // boundary and the node leaves the cluster before the process exits.
            using var cancel = new CancellationTokenSource();
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; cancel.Cancel(); });
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
            if (Environment.GetEnvironmentVariable("REMIT_THREADS") is { Length: > 0 } threads)
                TorchSharp.torch.set_num_threads(int.TryParse(threads, out int t) && t > 0 ? t : throw new ArgumentException($"REMIT_THREADS='{threads}' is not a positive integer."));
            var metrics = new RemitMetrics();
            ICollective collective = options.Roles.Contains("learner")
                ? new TimedCollective(Collectives.FromEnvironment(), seconds => metrics.AllReduceSeconds.Observe(seconds),
                                      seconds => metrics.ReduceScatterSeconds.Observe(seconds), seconds => metrics.AllGatherSeconds.Observe(seconds))
                : new SingleProcessCollective();
            using var node = new NodeServices(options.RunDirectory, TorchRuntime.ResolveDevice(options.Device), metrics, output, collective,
                                              options.MetricsPort, cancel.Token);
            output.WriteLine($"node: {string.Join(",", options.Roles)} (rank {collective.Rank}/{collective.Size}) pid {Environment.ProcessId} " +
                             $"at {options.Hostname}:{options.Port}, metrics :{options.MetricsPort}, run {Path.GetFullPath(options.RunDirectory)}");
            string? failure = ClusterNode.RunAsync(options, node, run, akka, cancel.Token).GetAwaiter().GetResult();
            if (failure is null) { output.WriteLine("node: the run finished"); return 0; }
            error.WriteLine($"remit node: {failure}");
            return cancel.IsCancellationRequested ? 130 : 1;
        });
        return command;
    }

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}

/// <summary>Reads a node config file: JSON with our keys, or HOCON with a <c>remit</c> block (the rest goes to Akka).</summary>
internal static class NodeConfigFile
{
    public static (NodeOptions Options, Config? Akka) Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"node config {path} does not exist.", path);
        string text = File.ReadAllText(path);
        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            // A run config (what the presets hold) names the run's stages; a node config names roles and addresses.
            using (var doc = JsonDocument.Parse(text, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }))
                if (doc.RootElement.ValueKind == JsonValueKind.Object && !NodeKeys.Any(k => doc.RootElement.TryGetProperty(k, out _)))
                    return (new NodeOptions { Preset = path }, null);
            var json = JsonSerializer.Deserialize<NodeJson>(text, new JsonSerializerOptions
            {
                PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
                ReadCommentHandling = JsonCommentHandling.Skip,
            }) ?? throw new InvalidDataException($"{path}: empty node config.");
            return (json.ToOptions(), null);
        }
        Config hocon;
        try { hocon = ConfigurationFactory.ParseString(text); }
        catch (Exception e) when (e is not OutOfMemoryException) { throw new InvalidDataException($"{path}: not valid HOCON: {e.Message}", e); }
        var remit = hocon.GetConfig("remit");
        var options = new NodeOptions();
        if (remit is not null && !remit.IsEmpty)
        {
            options = options with
            {
                Roles = remit.HasPath("roles") ? remit.GetStringList("roles").ToList() : options.Roles,
                SeedNodes = remit.HasPath("seed-nodes") ? remit.GetStringList("seed-nodes").ToList() : options.SeedNodes,
                Hostname = remit.GetString("hostname", options.Hostname),
                Port = remit.GetInt("port", options.Port),
                MetricsPort = remit.GetInt("metrics-port", options.MetricsPort),
                RunDirectory = remit.GetString("run-dir", options.RunDirectory),
                Preset = remit.GetString("preset", options.Preset),
                Device = remit.GetString("device", options.Device),
                Discovery = remit.HasPath("discovery") ? ClusterDiscoveryNames.Parse(remit.GetString("discovery"), $"{path}: remit.discovery") : options.Discovery,
            };
        }
        return (options, hocon.HasPath("akka") ? hocon : null);
    }

    private static readonly string[] NodeKeys = ["roles", "seed_nodes", "discovery", "hostname", "port", "metrics_port", "run_dir"];

    private sealed record NodeJson(
        IReadOnlyList<string>? Roles = null, IReadOnlyList<string>? SeedNodes = null, string? Hostname = null, int? Port = null,
        int? MetricsPort = null, string? RunDir = null, string? Preset = null, IReadOnlyList<string>? Set = null, string? Device = null,
        string? Discovery = null)
    {
        public NodeOptions ToOptions()
        {
            var d = new NodeOptions();
            return d with
            {
                Roles = Roles ?? d.Roles, SeedNodes = SeedNodes ?? d.SeedNodes, Hostname = Hostname ?? d.Hostname, Port = Port ?? d.Port,
                MetricsPort = MetricsPort ?? d.MetricsPort, RunDirectory = RunDir ?? d.RunDirectory, Preset = Preset ?? d.Preset,
                Overrides = Set ?? d.Overrides, Device = Device ?? d.Device,
                Discovery = Discovery is null ? d.Discovery : ClusterDiscoveryNames.Parse(Discovery, "discovery"),
            };
        }
    }
}
