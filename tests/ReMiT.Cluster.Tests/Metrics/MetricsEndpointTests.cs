using System.Net;
using System.Net.Sockets;
using ReMiT.Cluster.Metrics;

namespace ReMiT.Cluster.Tests.Metrics;

public sealed class MetricsEndpointTests
{
    /// <summary>A port the OS just reported free (HttpListener cannot take port 0 itself).</summary>
    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [Theory]
    [InlineData("+")]
    [InlineData("*")]
    [InlineData("localhost")]
    public async Task Start_FreePort_ServesRemitMetricsOverHttp(string host)
    {
        var metrics = new RemitMetrics();
        metrics.TrainLoss.WithLabels("pretrain").Set(2.5);
        using var endpoint = MetricsEndpoint.Start(metrics, FreePort(), host);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

        using var response = await http.GetAsync(endpoint.LocalUrl);
        string body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("remit_train_loss{stage=\"pretrain\"} 2.5", body);
        Assert.Contains("# TYPE remit_tokens_processed_total counter", body);
    }

    [Fact]
    public void Start_PortTaken_ThrowsNamingPortAndHowToChange()
    {
        using var taken = new TcpListener(IPAddress.Any, 0);
        taken.Start();
        int port = ((IPEndPoint)taken.LocalEndpoint).Port;

        var e = Assert.Throws<InvalidOperationException>(() => MetricsEndpoint.Start(new RemitMetrics(), port));

        Assert.Contains(port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message);
        Assert.Contains(MetricsEndpoint.PortVariable, e.Message);
        Assert.Contains("--metrics-port", e.Message);
    }

    [Fact]
    public void Start_PortZero_ThrowsSayingHttpListenerCannot()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => MetricsEndpoint.Start(new RemitMetrics(), 0));
        Assert.Contains("port 0", e.Message);
    }

    [Fact]
    public void Dispose_StopsServing_PortCanBeBoundAgain()
    {
        int port = FreePort();
        MetricsEndpoint.Start(new RemitMetrics(), port).Dispose();
        using var again = MetricsEndpoint.Start(new RemitMetrics(), port);
        Assert.Equal(port, again.Port);
    }

    [Fact]
    public void ResolvePort_CommandLineThenEnvironmentThenDefault()
    {
        Assert.Equal(9500, MetricsEndpoint.ResolvePort(9500, _ => "9600"));
        Assert.Equal(9600, MetricsEndpoint.ResolvePort(null, _ => "9600"));
        Assert.Equal(MetricsEndpoint.DefaultPort, MetricsEndpoint.ResolvePort(null, _ => null));
        var e = Assert.Throws<ArgumentException>(() => MetricsEndpoint.ResolvePort(null, _ => "http"));
        Assert.Contains(MetricsEndpoint.PortVariable, e.Message);
    }
}
