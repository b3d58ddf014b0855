using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace ReMiT.Cli.Tests;

/// <summary>
/// A Kubernetes API server that answers the one request Akka.Discovery.KubernetesApi makes,
/// <c>GET /api/v1/namespaces/{namespace}/pods?labelSelector=…</c>, with a PodList of the pods it was given, as the
/// real one does: over https with a certificate from its own CA, only for the right bearer token, filtered by the
/// equality-based label selector. Each pod runs on 127.0.0.1 here, so pods differ by their container ports. Requests
/// are recorded for assertions.
/// </summary>
internal sealed class FakeKubernetesApi : IDisposable
{
    /// <summary>One pod: its labels, IP and named container ports (a StatefulSet pod's spec as far as discovery reads it).</summary>
    public sealed record Pod(string Name, IReadOnlyDictionary<string, string> Labels, string Ip, IReadOnlyDictionary<string, int> Ports);

    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly string _token;
    private readonly string _namespace;
    private readonly IReadOnlyList<Pod> _pods;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<string> _requests = [];
    private readonly Task _serving;
    private int _unauthorized;

    /// <param name="certificate">Server certificate (with its key) for 127.0.0.1, from the CA the clients are told to trust.</param>
    public FakeKubernetesApi(X509Certificate2 certificate, string token, string @namespace, IReadOnlyList<Pod> pods, int port)
    {
        _certificate = certificate;
        _token = token;
        _namespace = @namespace;
        _pods = pods;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Path and query of every request answered with a pod list.</summary>
    public IReadOnlyList<string> Requests { get { lock (_requests) return [.. _requests]; } }

    /// <summary>Requests refused for a missing or wrong bearer token.</summary>
    public int Unauthorized => Volatile.Read(ref _unauthorized);

    private async Task ServeAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (OperationCanceledException) { return; }
            catch (ObjectDisposedException) { return; }
            _ = Task.Run(() => AnswerAsync(client));
        }
    }

    private async Task AnswerAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    ApplicationProtocols = [SslApplicationProtocol.Http11],
                }, _stop.Token);
                // One request per connection (the answer says Connection: close); a GET has no body.
                var reader = new StreamReader(tls, Encoding.ASCII, false, 4096, leaveOpen: true);
                string? requestLine = await reader.ReadLineAsync(_stop.Token);
                if (requestLine is null) return;
                string? authorization = null;
                for (string? line = await reader.ReadLineAsync(_stop.Token); !string.IsNullOrEmpty(line); line = await reader.ReadLineAsync(_stop.Token))
                    if (line.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase)) authorization = line["Authorization:".Length..].Trim();
                var (status, body) = Answer(requestLine, authorization);
                byte[] payload = Encoding.UTF8.GetBytes(body);
                string head = $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Error")}\r\nContent-Type: application/json\r\nContent-Length: {payload.Length}\r\nConnection: close\r\n\r\n";
                await tls.WriteAsync(Encoding.ASCII.GetBytes(head), _stop.Token);
                await tls.WriteAsync(payload, _stop.Token);
                await tls.FlushAsync(_stop.Token);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                // A client that hung up or did not trust us: nothing to answer.
            }
        }
    }

    private (int Status, string Body) Answer(string requestLine, string? authorization)
    {
        string[] parts = requestLine.Split(' ');
        if (parts.Length != 3 || parts[0] != "GET") return (405, Status(405, "only GET is served here"));
        var uri = new Uri("https://127.0.0.1" + parts[1]);
        string[] segments = uri.AbsolutePath.Trim('/').Split('/');
        if (segments is not ["api", "v1", "namespaces", var ns, "pods"]) return (404, Status(404, $"{uri.AbsolutePath} is not served here"));
        if (authorization != $"Bearer {_token}")
        {
            Interlocked.Increment(ref _unauthorized);
            return (401, Status(401, "Unauthorized"));
        }
        var query = uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2)).ToDictionary(p => Uri.UnescapeDataString(p[0]), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");
        var wanted = new Dictionary<string, string>();
        foreach (string term in (query.GetValueOrDefault("labelSelector") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = term.Split('=');
            if (kv.Length != 2 || term.Contains("!=", StringComparison.Ordinal)) return (400, Status(400, $"only key=value selectors are served here, got '{term}'"));
            wanted[kv[0].Trim()] = kv[1].Trim();
        }
        lock (_requests) _requests.Add(uri.PathAndQuery);
        var items = new JsonArray();
        if (ns == _namespace)
            foreach (var pod in _pods.Where(p => wanted.All(w => p.Labels.TryGetValue(w.Key, out var v) && v == w.Value)))
                items.Add(PodJson(pod));
        var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "PodList", ["metadata"] = new JsonObject { ["resourceVersion"] = "1" }, ["items"] = items };
        return (200, list.ToJsonString());
    }

    private JsonObject PodJson(Pod pod)
    {
        var labels = new JsonObject();
        foreach (var (k, v) in pod.Labels) labels[k] = v;
        var ports = new JsonArray();
        foreach (var (name, port) in pod.Ports) ports.Add(new JsonObject { ["name"] = name, ["containerPort"] = port, ["protocol"] = "TCP" });
        return new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = pod.Name, ["namespace"] = _namespace, ["labels"] = labels, ["uid"] = Guid.NewGuid().ToString() },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "node", ["image"] = "remit:test", ["ports"] = ports }) },
            ["status"] = new JsonObject
            {
                ["phase"] = "Running", ["podIP"] = pod.Ip, ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = pod.Ip }),
                ["containerStatuses"] = new JsonArray(new JsonObject
                {
                    ["name"] = "node", ["ready"] = true, ["restartCount"] = 0, ["image"] = "remit:test", ["imageID"] = "",
                    ["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = "2026-01-01T00:00:00Z" } },
                }),
            },
        };
    }

    private static string Status(int code, string message) =>
        new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["status"] = "Failure", ["message"] = message, ["code"] = code }.ToJsonString();

    /// <summary>A kubeconfig that points a client at this server and trusts <paramref name="ca"/> for it (how the client is told which CA signs the API server).</summary>
    public string KubeConfig(X509Certificate2 ca) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: https://127.0.0.1:{Port}
            certificate-authority-data: {Convert.ToBase64String(Encoding.ASCII.GetBytes(ca.ExportCertificatePem() + "\n"))}
        users:
        - name: remit
          user:
            token: {_token}
        contexts:
        - name: fake
          context:
            cluster: fake
            user: remit
            namespace: {_namespace}
        current-context: fake
        """;

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try { _serving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
        _stop.Dispose();
    }
}
