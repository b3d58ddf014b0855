using System.Collections.Immutable;
using System.Net;
using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Akka.Management.Cluster.Bootstrap.ContactPoint;
using Newtonsoft.Json;

namespace ReMiT.Cluster.Hosting;

/// <summary>
/// The one HTTP route Cluster Bootstrap needs from every contact point: <c>GET /bootstrap/seed-nodes</c>, this node's
/// view of its cluster (its own address and the reachable members that are Up, WeaklyUp or Joining; none while this
/// node is in no cluster or leaving it). The body is Akka.Management's own <see cref="HttpBootstrapJsonProtocol.SeedNodes"/>
/// serialised the way the library serialises it, so the other pods' contact-point probes (Akka.Management's) read it
/// unchanged. Nothing else is served: no other route, no other method.
/// <para>
/// Why not Akka.Management's own endpoint: Akka.Http.Shim 1.5.73 was compiled against Ceen.Httpd 0.9.9, which our
/// package source does not serve; with the 0.9.10 it does serve, the shim's server fails at start
/// (MissingMethodException in Ceen's HttpServer.ListenAsync). .NET's HttpListener serves this route instead.
/// </para>
/// </summary>
internal sealed class ManagementEndpoint : IDisposable
{
    public const string SeedNodesPath = "/bootstrap/seed-nodes";

    private readonly HttpListener _listener;
    private readonly Akka.Cluster.Cluster _cluster;
    private readonly Task _serving;

    private ManagementEndpoint(HttpListener listener, Akka.Cluster.Cluster cluster)
    {
        _listener = listener;
        _cluster = cluster;
        _serving = Task.Run(ServeAsync);
    }

    /// <summary>Listens on <paramref name="bindHost"/> (0.0.0.0: every interface) and <paramref name="port"/>.</summary>
    /// <exception cref="HttpListenerException">The port is taken or cannot be bound.</exception>
    public static ManagementEndpoint Start(ActorSystem system, string bindHost, int port)
    {
        var listener = new HttpListener();
        string host = bindHost is NodeOptions.AnyInterface or "" ? "*" : bindHost;
        listener.Prefixes.Add($"http://{host}:{port}/");
        listener.Start();
        return new ManagementEndpoint(listener, Akka.Cluster.Cluster.Get(system));
    }

    /// <summary>What <see cref="SeedNodesPath"/> answers: <paramref name="cluster"/> as this node sees it, in Akka.Management's JSON.</summary>
    public static string SeedNodesJson(Akka.Cluster.Cluster cluster)
    {
        var self = cluster.SelfMember;
        var members = ImmutableList<HttpBootstrapJsonProtocol.ClusterMember>.Empty;
        if (self.Status is not (MemberStatus.Down or MemberStatus.Exiting or MemberStatus.Leaving or MemberStatus.Removed))
        {
            var state = cluster.State;
            members = state.Members
                .Where(m => !state.Unreachable.Contains(m) && m.Status is MemberStatus.Up or MemberStatus.WeaklyUp or MemberStatus.Joining)
                .Select(m => new HttpBootstrapJsonProtocol.ClusterMember(m.UniqueAddress.Address, m.UniqueAddress.Uid, m.Status, m.Roles))
                .ToImmutableList();
        }
        return JsonConvert.SerializeObject(new HttpBootstrapJsonProtocol.SeedNodes(self.UniqueAddress.Address, members));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try { context = await _listener.GetContextAsync().ConfigureAwait(false); }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; } // stopped
            Answer(context);
        }
    }

    private void Answer(HttpListenerContext context)
    {
        var response = context.Response;
        try
        {
            var (status, body) = context.Request.HttpMethod != "GET" ? (405, "{\"error\":\"only GET is served\"}")
                : context.Request.Url?.AbsolutePath.TrimEnd('/') != SeedNodesPath ? (404, "{\"error\":\"only " + SeedNodesPath + " is served\"}")
                : (200, SeedNodesJson(_cluster));
            byte[] bytes = Encoding.UTF8.GetBytes(body);
            response.StatusCode = status;
            response.ContentType = "application/json";
            response.ContentLength64 = bytes.Length;
            response.OutputStream.Write(bytes);
        }
        catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
        {
            // The prober hung up (it times out after its probing-failure-timeout and asks again): nothing to answer.
        }
        finally
        {
            try { response.Close(); } catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { }
        }
    }

    public void Dispose()
    {
        if (_listener.IsListening) _listener.Stop();
        _listener.Close();
        try { _serving.Wait(TimeSpan.FromSeconds(5)); } catch (AggregateException) { }
    }
}
