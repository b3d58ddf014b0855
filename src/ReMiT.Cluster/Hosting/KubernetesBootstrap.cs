using System.Globalization;
using Akka.Actor;
using Akka.Configuration;
using Akka.Discovery;
using Akka.Discovery.KubernetesApi;
using Akka.Management.Cluster.Bootstrap;
using Akka.Management.Dsl;

namespace ReMiT.Cluster.Hosting;

/// <summary>
/// <see cref="ClusterDiscovery.Kubernetes"/>: Akka Management's HTTP endpoint plus Cluster Bootstrap with
/// Akka.Discovery.KubernetesApi. The node lists the pods that <see cref="KubernetesDiscoveryOptions.LabelSelector"/>
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
                # Only the bootstrap's read-only /bootstrap/seed-nodes; the address and cluster-client routes are not needed.
                routes {
                  remote-address = ""
                  cluster-client-receptionist = ""
                }
                route-providers-read-only = true
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
    /// Starts the management endpoint and the bootstrap; returns once the endpoint listens (the join itself happens in
    /// the background, retried until it succeeds). A port already in use fails here, naming the port.
    /// </summary>
    public static async Task StartAsync(ActorSystem system, KubernetesDiscoveryOptions options, TextWriter log)
    {
        Uri? endpoint;
        try
        {
            endpoint = await AkkaManagement.Get(system).Start().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InvalidOperationException(
                $"the management endpoint could not listen on port {options.ManagementPort} ({KubernetesDiscoveryOptions.ManagementPortVariable}): {e.Message}", e);
        }
        log.WriteLine($"node: kubernetes discovery: management endpoint {endpoint}, contact points = pods in namespace {options.Namespace} " +
                      $"matching {options.LabelSelector} with a '{options.PortName}' port (at least {options.RequiredContactPoints} before founding a cluster)");
        await ClusterBootstrap.Get(system).Start().ConfigureAwait(false);
    }
}
