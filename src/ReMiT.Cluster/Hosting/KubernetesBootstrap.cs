using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Akka.Configuration;
using Akka.Discovery;
using Akka.Discovery.KubernetesApi;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;

namespace ReMiT.Cluster.Hosting;

/// <summary>
/// <see cref="ClusterDiscovery.Kubernetes"/>: Akka.Management's Cluster Bootstrap with Akka.Discovery.KubernetesApi, and
/// the management endpoint it needs (<see cref="ManagementEndpoint"/>). The node lists the pods that <see cref="KubernetesDiscoveryOptions.LabelSelector"/>
/// selects (those with a container port named <see cref="KubernetesDiscoveryOptions.PortName"/> are the contact
/// points) and asks each one's endpoint (<c>GET /bootstrap/seed-nodes</c>) for its cluster's members. If any pod is in a
/// cluster, the node joins that cluster — which is how a restarted coordinator-0 finds the running one. Only when
/// <see cref="KubernetesDiscoveryOptions.RequiredContactPoints"/> pods answered, none is in a cluster and the pod list
/// stayed the same for the stable margin does the pod with the lowest address found a new cluster.
/// </summary>
internal static class KubernetesBootstrap
{
    /// <summary>The management, bootstrap and discovery settings, on top of the libraries' own defaults.</summary>
    public static Config AkkaConfig(NodeOptions options)
    {
        var k = options.Kubernetes;
        string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        string Seconds(double s) => s.ToString(CultureInfo.InvariantCulture) + "s";
        string hocon = $$"""
            akka.management {
              http {
                # The address the discovery reports for this pod (its IP): how the node recognises itself among the contact points.
                hostname = {{Quote(k.ManagementHostname)}}
                port = {{k.ManagementPort}}
                bind-hostname = {{Quote(options.BindHostname)}}
                bind-port = {{k.ManagementPort}}
                # (ManagementEndpoint serves the one route bootstrap needs; these say where, for the bootstrap's own use.)
              }
              cluster.bootstrap {
                new-cluster-enabled = {{(k.NewClusterEnabled ? "on" : "off")}}
                contact-point-discovery {
                  service-name = {{Quote(NodeOptions.ActorSystemName)}}
                  port-name = {{Quote(k.PortName)}}
                  discovery-method = akka.discovery
                  required-contact-point-nr = {{k.RequiredContactPoints}}
                  stable-margin = {{Seconds(k.StableMarginS)}}
                  contact-with-all-contact-points = true
                }
              }
            }
            akka.discovery {
              method = kubernetes-api
              kubernetes-api {
                pod-namespace = {{Quote(k.Namespace)}}
                pod-label-selector = {{Quote(k.LabelSelector)}}
                api-token-path = {{Quote(k.TokenPath)}}
                use-raw-ip = true
              }
            }
            """;
        return ConfigurationFactory.ParseString(hocon)
            .WithFallback(ClusterBootstrap.DefaultConfiguration())
            .WithFallback(AkkaManagementProvider.DefaultConfiguration())
            .WithFallback(KubernetesDiscovery.DefaultConfiguration())
            .WithFallback(DiscoveryProvider.DefaultConfiguration());
    }

    /// <summary>
    /// Starts this node's <see cref="ManagementEndpoint"/> (closed when the actor system terminates) and the bootstrap;
    /// returns once both run (the join itself happens in the background, retried until it succeeds). A port already
    /// in use fails here, naming the port and its variable.
    /// </summary>
    public static async Task StartAsync(ActorSystem system, NodeOptions options, TextWriter log)
    {
        var k = options.Kubernetes;
        ManagementEndpoint endpoint;
        try
        {
            endpoint = ManagementEndpoint.Start(system, options.BindHostname, k.ManagementPort);
        }
        catch (HttpListenerException e)
        {
            throw new InvalidOperationException(
                $"the management endpoint could not listen on {options.BindHostname}:{k.ManagementPort} ({KubernetesDiscoveryOptions.ManagementPortVariable}): {e.Message}", e);
        }
        _ = system.WhenTerminated.ContinueWith(_ => endpoint.Dispose(), TaskScheduler.Default);
        // Cluster Bootstrap learns this node's own contact point from its route provider, as when the routes are served
        // by hand; it needs it to recognise itself among the discovered pods.
        string host = IPAddress.TryParse(k.ManagementHostname, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{k.ManagementHostname}]" : k.ManagementHostname;
        var self = new Uri($"http://{host}:{k.ManagementPort}/");
        ClusterBootstrap.Get(system).Routes(ManagementRouteProviderSettings.Create(self, readOnly: true));
        log.WriteLine($"node: kubernetes discovery: management endpoint {self} ({ManagementEndpoint.SeedNodesPath}), contact points = pods in namespace " +
                      $"{k.Namespace} matching {k.LabelSelector} with a '{k.PortName}' port (at least {k.RequiredContactPoints} before a cluster is founded)");
        await ClusterBootstrap.Get(system).Start().ConfigureAwait(false);
    }
}
