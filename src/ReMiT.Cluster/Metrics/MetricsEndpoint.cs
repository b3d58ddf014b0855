using System.Globalization;
using System.Net;
using Prometheus;

namespace ReMiT.Cluster.Metrics;

/// <summary>
/// Serves one node's <see cref="RemitMetrics"/> at <c>http://{host}:{port}/metrics</c> with prometheus-net's
/// <see cref="MetricServer"/> (HttpListener). On Linux .NET's HttpListener is managed code on a plain
/// socket: host <c>+</c> or <c>*</c> listens on every IPv4 interface (what a pod needs), and no URL ACL or
/// root is involved for ports ≥ 1024. Port 0 (an OS-chosen port) is not supported by HttpListener, so the
/// port is always explicit. Dispose to stop serving.
/// </summary>
public sealed class MetricsEndpoint : IDisposable
{
    /// <summary>Environment variable that sets the port (the <c>--metrics-port</c> option wins over it).</summary>
    public const string PortVariable = "REMIT_METRICS_PORT";

    /// <summary>Port used when neither <c>--metrics-port</c> nor <see cref="PortVariable"/> is given.</summary>
    public const int DefaultPort = 9464;

    /// <summary>Every interface: HttpListener's strong wildcard.</summary>
    public const string AnyHost = "+";

    private readonly MetricServer _server;

    private MetricsEndpoint(MetricServer server, string host, int port)
    {
        _server = server;
        Host = host;
        Port = port;
    }

    public string Host { get; }

    public int Port { get; }

    /// <summary>
    /// Where this process itself can scrape the endpoint: loopback for a wildcard host, else the host itself
    /// (HttpListener matches the request's Host header against a named host, so 127.0.0.1 would get 404).
    /// </summary>
    public Uri LocalUrl => new($"http://{(Host is "+" or "*" ? "127.0.0.1" : Host)}:{Port.ToString(CultureInfo.InvariantCulture)}/metrics");

    /// <summary>Starts serving <paramref name="metrics"/>; returns once the port is bound.</summary>
    /// <param name="host"><c>+</c> (all interfaces, the default), <c>*</c>, <c>localhost</c> or an IP address.</param>
    /// <exception cref="ArgumentOutOfRangeException">The port is not in 1–65535 (0 included: HttpListener cannot pick one).</exception>
    /// <exception cref="InvalidOperationException">The port is taken or cannot be bound; the message says how to choose another.</exception>
    public static MetricsEndpoint Start(RemitMetrics metrics, int port, string host = AnyHost)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        if (port is < 1 or > 65535)
            throw new ArgumentOutOfRangeException(nameof(port), port,
                $"metrics port must be in 1–65535, got {port} (HttpListener cannot bind port 0); set {PortVariable} or --metrics-port.");

        var server = new MetricServer(host, port, "metrics/", metrics.Registry);
        try
        {
            server.Start();
        }
        catch (HttpListenerException e)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"cannot serve metrics at http://{host}:{port}/metrics: {e.Message} (error {e.ErrorCode}). " +
                $"Is another process using port {port}? Choose a free port with {PortVariable}=<port> or --metrics-port <port>.", e);
        }
        return new MetricsEndpoint(server, host, port);
    }

    /// <summary>
    /// The port to serve on: <paramref name="commandLine"/> when given, else <see cref="PortVariable"/>, else
    /// <see cref="DefaultPort"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><see cref="PortVariable"/> is set but not a port number.</exception>
    public static int ResolvePort(int? commandLine, Func<string, string?>? environment = null)
    {
        if (commandLine is { } fromCli) return fromCli;
        string? text = (environment ?? Environment.GetEnvironmentVariable)(PortVariable);
        if (string.IsNullOrWhiteSpace(text)) return DefaultPort;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new ArgumentException($"{PortVariable}='{text}' is not a port number; expected 1–65535, e.g. {PortVariable}={DefaultPort}.");
        return port;
    }

    public void Dispose() => _server.Dispose();

    public override string ToString() => $"http://{Host}:{Port.ToString(CultureInfo.InvariantCulture)}/metrics";
}
