using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Newtonsoft.Json;
using ReMiT.Cluster.Hosting;

namespace ReMiT.Cluster.Tests.Hosting;

/// <summary>
/// The contact-point route Cluster Bootstrap probes on every pod: what a real node answers, read back with
/// Akka.Management's own JSON type (what its prober deserialises), before and after the node is in a cluster.
/// </summary>
public sealed class ManagementEndpointTests : IDisposable
{
    private readonly ActorSystem _system = ClusterNode.CreateSystem(new NodeOptions
    {
        Roles = ["verifier"], Hostname = "127.0.0.1", BindHostname = "127.0.0.1", Port = 0, RunDirectory = "unused", Insecure = true,
    });
    private readonly ManagementEndpoint _endpoint;
    private readonly int _port = FreePort();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public ManagementEndpointTests() => _endpoint = ManagementEndpoint.Start(_system, "127.0.0.1", _port);

    public void Dispose()
    {
        _endpoint.Dispose();
        _http.Dispose();
        _system.Terminate().Wait(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task SeedNodes_NodeInNoClusterYet_ItsAddressAndNoMembers()
    {
        var answer = await SeedNodes();
        Assert.Equal(Akka.Cluster.Cluster.Get(_system).SelfAddress, answer.SelfNode);
        Assert.Empty(answer.Nodes); // a prober finds no cluster here, so this pod may found one only if it has the lowest address
    }

    [Fact]
    public async Task SeedNodes_NodeUpInAClusterOfOne_ListsItselfUpWithItsUidAndRoles()
    {
        var cluster = Akka.Cluster.Cluster.Get(_system);
        cluster.Join(cluster.SelfAddress);
        var clock = Stopwatch.StartNew();
        while (cluster.SelfMember.Status != MemberStatus.Up)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "the node never came Up");
            await Task.Delay(100);
        }
        var member = Assert.Single((await SeedNodes()).Nodes);
        Assert.Equal(cluster.SelfAddress, member.Node);
        Assert.Equal(cluster.SelfUniqueAddress.Uid, member.NodeUid);
        Assert.Equal(MemberStatus.Up, member.Status);
        Assert.Contains("verifier", member.Roles);
    }

    [Fact]
    public async Task Request_OtherPathOrMethod_IsRefused()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync($"http://127.0.0.1:{_port}/cluster/members")).StatusCode);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _http.PostAsync($"http://127.0.0.1:{_port}{ManagementEndpoint.SeedNodesPath}", null)).StatusCode);
    }

    private async Task<HttpBootstrapJsonProtocol.SeedNodes> SeedNodes()
    {
        string body = await _http.GetStringAsync($"http://127.0.0.1:{_port}{ManagementEndpoint.SeedNodesPath}");
        return JsonConvert.DeserializeObject<HttpBootstrapJsonProtocol.SeedNodes>(body) ?? throw new InvalidDataException(body);
    }

    // A free port in this run's range (REMIT_BASE_PORT, as the cluster tests use) above what they take.
    private static int FreePort()
    {
        int start = (int.TryParse(Environment.GetEnvironmentVariable("REMIT_BASE_PORT"), out int b) ? b : 4053) + 400;
        for (int p = start; p < start + 200; p++)
        {
            try
            {
                var probe = new TcpListener(IPAddress.Loopback, p);
                probe.Start();
                probe.Stop();
                return p;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException($"no free port in {start}-{start + 199}");
    }
}
