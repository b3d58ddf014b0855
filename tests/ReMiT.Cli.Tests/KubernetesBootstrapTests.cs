using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Akka.Cluster;
using Xunit.Abstractions;
using ReMiT.Cluster.Hosting.Tls;

namespace ReMiT.Cli.Tests;

/// <summary>
/// <c>remit node --discovery kubernetes</c> as the Helm chart runs it, against <see cref="FakeKubernetesApi"/>: three
/// pods (coordinator, verifier, guide) find each other through the API server and form one cluster; the coordinator
/// is killed with SIGKILL and started again in the same "pod" (same address, same ports, as the kubelet restarts a
/// container); it must rejoin the running cluster — the survivors see its new incarnation Up and it sees them with
/// their old ones — instead of founding a cluster of its own as a hard-wired coordinator-0 seed did.
/// </summary>
[Collection(KubernetesBootstrapTests.Alone)]
public sealed class KubernetesBootstrapTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>Runs after the parallel tests, with nothing beside it, so its bound is about the bootstrap, not the runner's load.</summary>
    public const string Alone = "kubernetes bootstrap, alone";

    // 40 s on a quiet 2-core machine, 72 s at load average 16–27 (about 30 s of it is the old coordinator being noticed
    // and downed: heartbeat pause 10 s, split-brain resolver stable-after 20 s); 150 s leaves CI room without hiding a hang.
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(150);
    private const string Namespace = "ml";
    private const string Token = "remit-test-token";
    private static readonly Dictionary<string, string> Release = new()
    {
        ["app.kubernetes.io/name"] = "remit", ["app.kubernetes.io/instance"] = "boot",
    };

    private readonly string _dir = Directory.CreateTempSubdirectory("remit-k8s-").FullName;
    private readonly List<NodeProcess> _nodes = [];
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(3) };

    public void Dispose()
    {
        foreach (var n in _nodes) n.Dispose();
        _http.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void NodeKubernetesDiscovery_CoordinatorKilledAndRestarted_RejoinsTheRunningClusterInsteadOfFoundingOne()
    {
        var clock = Stopwatch.StartNew();
        // Ports in this run's range (REMIT_BASE_PORT): remoting and management per pod, and the API server.
        var ports = FreePorts(BasePort() + 300, 7);
        string[] roles = ["coordinator", "verifier", "guide"];
        var akka = roles.Select((r, i) => (r, ports[i])).ToDictionary(x => x.r, x => x.Item2);
        var management = roles.Select((r, i) => (r, ports[3 + i])).ToDictionary(x => x.r, x => x.Item2);

        // The run's CA and one node certificate (the chart's TLS secret), and the API server's own CA and certificate.
        string tls = Path.Combine(_dir, "tls");
        using var runCa = RunCertificates.CreateAuthority("remit run CA", TimeSpan.FromDays(1));
        using var nodeCert = RunCertificates.Issue(runCa, "remit-node", ["127.0.0.1", "localhost"], TimeSpan.FromDays(1));
        var (certPath, keyPath) = RunCertificates.WritePem(nodeCert, tls, "tls");
        File.WriteAllText(Path.Combine(tls, "ca.crt"), runCa.ExportCertificatePem() + "\n");
        using var clusterCa = RunCertificates.CreateAuthority("kubernetes CA", TimeSpan.FromDays(1));
        using var apiCert = RunCertificates.Issue(clusterCa, "kube-apiserver", ["127.0.0.1"], TimeSpan.FromDays(1));

        // The release's three pods; a pod of another release, whose port nobody serves (selecting it would stall the
        // bootstrap, which waits for every contact point); and a learner pod of this release without a management port.
        var pods = roles.Select(r => new FakeKubernetesApi.Pod($"boot-{r}-0", Labels(r), "127.0.0.1",
                                                                 new Dictionary<string, int> { ["akka"] = akka[r], ["management"] = management[r] })).ToList();
        pods.Add(new FakeKubernetesApi.Pod("other-verifier-0", new Dictionary<string, string>(Labels("verifier")) { ["app.kubernetes.io/instance"] = "other" },
                                           "127.0.0.1", new Dictionary<string, int> { ["management"] = ports[6] + 1000 }));
        pods.Add(new FakeKubernetesApi.Pod("boot-learner-0", Labels("learner"), "127.0.0.1", new Dictionary<string, int> { ["akka"] = ports[6] + 1001 }));
        using var api = new FakeKubernetesApi(apiCert, Token, Namespace, pods, ports[6]);
        string kubeconfig = Path.Combine(_dir, "kubeconfig");
        File.WriteAllText(kubeconfig, api.KubeConfig(clusterCa));
        string tokenFile = Path.Combine(_dir, "token");
        File.WriteAllText(tokenFile, Token);

        string run = Path.Combine(_dir, "run");
        var environment = new Dictionary<string, string>
        {
            ["REMIT_DISCOVERY"] = "kubernetes", ["REMIT_K8S_NAMESPACE"] = Namespace,
            ["REMIT_K8S_LABEL_SELECTOR"] = "app.kubernetes.io/name=remit,app.kubernetes.io/instance=boot",
            ["REMIT_MANAGEMENT_HOSTNAME"] = "127.0.0.1", ["REMIT_K8S_REQUIRED_CONTACT_POINTS"] = "3", ["REMIT_K8S_STABLE_MARGIN_S"] = "2",
            ["REMIT_K8S_TOKEN_PATH"] = tokenFile, ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1", ["KUBERNETES_SERVICE_PORT"] = api.Port.ToString(),
            // The API server's CA: Akka.Discovery.KubernetesApi builds its client from the default configuration, which
            // is this kubeconfig outside a pod (in a pod: the service account's ca.crt); the host and port it then takes
            // from KUBERNETES_SERVICE_HOST/PORT, always over https.
            ["KUBECONFIG"] = kubeconfig,
            ["REMIT_TLS_CA"] = Path.Combine(tls, "ca.crt"), ["REMIT_TLS_CERT"] = certPath, ["REMIT_TLS_KEY"] = keyPath,
            ["REMIT_HOSTNAME"] = "127.0.0.1", ["REMIT_RESUME"] = "auto", ["REMIT_THREADS"] = "1",
        };
        NodeProcess Start(string role)
        {
            string[] args = ["--role", role, "--run-dir", run, "--port", akka[role].ToString(), "--metrics-port", "0",
                             .. role == "coordinator" ? new[] { "--preset", "smoke" } : []];
            var node = NodeProcess.Start(args, new Dictionary<string, string>(environment) { ["REMIT_MANAGEMENT_PORT"] = management[role].ToString() });
            _nodes.Add(node);
            return node;
        }

        var coordinator = Start("coordinator");
        var verifier = Start("verifier");
        var guide = Start("guide");
        string Diagnostics() => $"API requests: {api.Requests.Count}, unauthorized: {api.Unauthorized}\n" +
                                string.Join("\n", _nodes.Select(n => $"==== node pid {n.Pid}\n{Tail(n.Output)}"));

        // One cluster of the three, as each of them sees it; the coordinator singleton heard from both workers.
        var before = WaitFor(() =>
        {
            var views = roles.Select(r => Members(management[r])).ToArray();
            if (views.Any(v => v is not { Count: 3 } || v.Values.Any(m => m.Status != MemberStatus.Up))) return null;
            var first = views[0]!;
            return views.All(v => Same(v!, first)) ? first : null;
        }, "one cluster of coordinator, verifier and guide", clock, Diagnostics);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: one cluster of three in every member's view");
        WaitFor(() => coordinator.Output.Contains("joined: verifier", StringComparison.Ordinal) && coordinator.Output.Contains("joined: guide", StringComparison.Ordinal)
                      ? "" : null, "the workers registered with the coordinator", clock, Diagnostics);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: one cluster of three, the workers registered");
        var coordinatorAddress = Address(akka["coordinator"]);
        long firstIncarnation = before[coordinatorAddress].Uid;

        // kill -9, then the kubelet starts the container again in the same pod.
        coordinator.KillHard();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: coordinator killed (SIGKILL) and started again");
        var restarted = Start("coordinator");

        var after = WaitFor(() =>
        {
            var own = Members(management["coordinator"]);
            var fromVerifier = Members(management["verifier"]);
            var fromGuide = Members(management["guide"]);
            bool rejoined = own is { Count: 3 } && fromVerifier is { Count: 3 } && fromGuide is { Count: 3 }
                            && own.Values.All(m => m.Status == MemberStatus.Up) && Same(own, fromVerifier) && Same(own, fromGuide)
                            && own[coordinatorAddress].Uid != firstIncarnation;
            return rejoined ? own : null;
        }, "the restarted coordinator Up in the survivors' cluster", clock, Diagnostics);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the restarted coordinator Up in the survivors' cluster");
        // The same cluster, not a new one: the survivors kept their incarnations, and the new coordinator joined them.
        foreach (string role in new[] { "verifier", "guide" })
            Assert.Equal(before[Address(akka[role])].Uid, after[Address(akka[role])].Uid);
        Assert.True(verifier.Running && guide.Running, Diagnostics());
        string log = restarted.Output;
        Assert.Contains($"node: Up as akka.ssl.tcp://remit@127.0.0.1:{akka["coordinator"]} in a cluster of", log);
        Assert.Contains($"akka.ssl.tcp://remit@127.0.0.1:{akka["verifier"]} [verifier]", log);
        // ... and the workers re-registered with the coordinator singleton it runs now.
        WaitFor(() => restarted.Output.Contains("joined: verifier", StringComparison.Ordinal) && restarted.Output.Contains("joined: guide", StringComparison.Ordinal)
                      ? "" : null, "the workers registered with the restarted coordinator", clock, Diagnostics);

        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: the workers registered with the restarted coordinator");
        // Discovery asked the API server for the release's pods only, with the service account token.
        Assert.Equal(0, api.Unauthorized);
        Assert.Contains(api.Requests, r => r.StartsWith("/api/v1/namespaces/ml/pods?labelSelector=", StringComparison.Ordinal)
                                           && Uri.UnescapeDataString(r).Contains("app.kubernetes.io/instance=boot", StringComparison.Ordinal));
        Assert.True(clock.Elapsed < Limit, $"took {clock.Elapsed.TotalSeconds:F0} s");
    }

    private sealed record Member(long Uid, MemberStatus Status);

    private static Dictionary<string, string> Labels(string role) => new(Release) { ["app.kubernetes.io/component"] = role };

    private static string Address(int port) => $"akka.ssl.tcp://remit@127.0.0.1:{port}";

    private static bool Same(Dictionary<string, Member> a, Dictionary<string, Member> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var m) && m == kv.Value);

    /// <summary>
    /// The cluster's reachable members as the node with management port <paramref name="port"/> sees them, from its
    /// bootstrap endpoint (what other pods ask it); null while it does not answer.
    /// </summary>
    private Dictionary<string, Member>? Members(int port)
    {
        string text;
        try { text = _http.GetStringAsync($"http://127.0.0.1:{port}/bootstrap/seed-nodes").GetAwaiter().GetResult(); }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return null; }
        var nodes = Field(JsonNode.Parse(text)!, "nodes")?.AsArray() ?? [];
        var members = new Dictionary<string, Member>();
        foreach (var n in nodes)
        {
            var status = Field(n!, "status")!;
            members[AddressOf(Field(n!, "node")!)] = new Member(
                Field(n!, "nodeUid")!.GetValue<long>(),
                status.GetValueKind() == System.Text.Json.JsonValueKind.String ? Enum.Parse<MemberStatus>(status.GetValue<string>()) : (MemberStatus)status.GetValue<int>());
        }
        return members;
    }

    // The endpoint writes Akka's Address either as a string or as an object of its parts.
    private static string AddressOf(JsonNode node) => node.GetValueKind() == System.Text.Json.JsonValueKind.String
        ? node.GetValue<string>()
        : $"{Field(node, "protocol")}://{Field(node, "system")}@{Field(node, "host")}:{Field(node, "port")}";

    private static JsonNode? Field(JsonNode node, string name) =>
        node.AsObject().FirstOrDefault(kv => string.Equals(kv.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static T WaitFor<T>(Func<T?> probe, string what, Stopwatch clock, Func<string> diagnostics) where T : class
    {
        while (true)
        {
            if (probe() is { } done) return done;
            if (clock.Elapsed > Limit) throw new TimeoutException($"{what} did not happen within {Limit.TotalSeconds:F0} s:\n{diagnostics()}");
            Thread.Sleep(250);
        }
    }

    private static string Tail(string text) => string.Join("\n", text.Split('\n').TakeLast(40));

    private static int BasePort() =>
        int.TryParse(Environment.GetEnvironmentVariable("REMIT_BASE_PORT"), out int p) ? p : 4053;

    /// <summary><paramref name="count"/> TCP ports at or after <paramref name="start"/> that nothing listens on.</summary>
    private static int[] FreePorts(int start, int count)
    {
        var free = new List<int>();
        for (int p = start; free.Count < count && p < 65000; p++)
        {
            try
            {
                var probe = new TcpListener(IPAddress.Loopback, p);
                probe.Start();
                probe.Stop();
                free.Add(p);
            }
            catch (SocketException) { }
        }
        return [.. free];
    }
}
