using System.Net;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;
using ReMiT.Cluster.Actors;
using ReMiT.Cluster.Coordination;
using ReMiT.Cluster.Hosting.Tls;
using ReMiT.Cluster.Messages.Serialization;
using ReMiT.Cluster.Metrics;
using ReMiT.Training.Flywheel;
using ReMiT.Training.Storage;

namespace ReMiT.Cluster.Hosting;

/// <summary>
/// One cluster member: an ActorSystem named "remit" with the cluster provider, our serializer, an
/// explicit split-brain resolver (keep-majority) and one actor per role this process takes — the
/// coordinator as a cluster singleton, the workers talking to it through a singleton proxy. The
/// embedded default (<c>remit flywheel</c>) is this with every role in one process, bound to 127.0.0.1.
/// Remoting runs over mutual TLS (<see cref="NodeTlsIdentity"/>) unless the options say
/// <see cref="NodeOptions.Insecure"/>. A node finds the cluster through static seeds or, on Kubernetes, through
/// Cluster Bootstrap (<see cref="KubernetesBootstrap"/>).
/// </summary>
public static class ClusterNode
{
    /// <summary>
    /// Runs the node until the run finishes (or fails, or <paramref name="cancellation"/> fires). The
    /// coordinator role needs <paramref name="run"/> prepared (config.json and tokenizer written).
    /// Returns the error that stopped the run, or null.
    /// </summary>
    public static async Task<string?> RunAsync(NodeOptions options, NodeServices node, RunContext? run, Config? extraAkka, CancellationToken cancellation)
    {
        var problems = options.Validate();
        if (problems.Count > 0) throw new ArgumentException("node options: " + string.Join(" ", problems));
        // One learner job per run directory: a second one would publish and checkpoint over the first.
        using var learnerLock = options.Roles.Contains("learner") && node.Collective.Rank == 0 ? RunLock.Acquire(node.RunDirectory) : null;
        if (options.Insecure && !IsLoopback(options.BindHostname))
            node.Log.WriteLine(InsecureWarning(options));
        string metricsHost = options.BindHostname == NodeOptions.AnyInterface ? MetricsEndpoint.AnyHost : options.BindHostname;
        using var metricsEndpoint = options.MetricsPort > 0 ? MetricsEndpoint.Start(node.Metrics, options.MetricsPort, metricsHost) : null;
        var system = CreateSystem(options, extraAkka);
        try
        {
            var cluster = Akka.Cluster.Cluster.Get(system);
            if (options.Discovery == ClusterDiscovery.Kubernetes)
            {
                // Say which cluster this node joined: after a restart, the members it finds show it rejoined the running one.
                cluster.RegisterOnMemberUp(() => node.Log.WriteLine(
                    $"node: Up as {cluster.SelfAddress} in a cluster of {cluster.State.Members.Count}: " +
                    string.Join(", ", cluster.State.Members.Select(m => $"{m.Address} [{string.Join(",", m.Roles)}]"))));
                await KubernetesBootstrap.StartAsync(system, options, node.Log).ConfigureAwait(false);
            }
            else if (options.SeedNodes.Count == 0) cluster.Join(cluster.SelfAddress); // founding node (and the embedded default)
            else cluster.JoinSeedNodes(options.SeedAddresses.Select(Address.Parse));
            RemitSerializer.For(system).CountDropsIn(node.Metrics);

            if (options.Roles.Contains("coordinator"))
            {
                if (run is null) throw new ArgumentException("the coordinator role needs a prepared run.");
                CoordinatorJournal.Read(CoordinatorJournal.PathIn(run.RunDirectory)); // a damaged journal stops here, naming its file and line
                system.ActorOf(ClusterSingletonManager.Props(
                    Props.Create(() => new Coordinator(run, node.Metrics, node.Finished, node.Log)),
                    PoisonPill.Instance,
                    ClusterSingletonManagerSettings.Create(system).WithRole("coordinator").WithSingletonName("coordinator")), "coordinator");
            }
            var proxy = system.ActorOf(ClusterSingletonProxy.Props("/user/coordinator",
                ClusterSingletonProxySettings.Create(system).WithRole("coordinator").WithSingletonName("coordinator")), "coordinator-proxy");
            foreach (string role in options.Roles)
            {
                if (!WorkerRoles.TryParse(role, out var worker)) continue; // the coordinator (started above)
                Props props = worker switch
                {
                    WorkerRole.Rollout => Props.Create(() => new RolloutWorker(proxy, node)),
                    WorkerRole.Verifier => Props.Create(() => new VerifierWorker(proxy, node)),
                    WorkerRole.Guide => Props.Create(() => new GuideWorker(proxy, node)),
                    WorkerRole.Learner => Props.Create(() => new LearnerWorker(proxy, node)),
                    _ => throw new ArgumentOutOfRangeException(nameof(options), role, "not a worker role"),
                };
                system.ActorOf(props, role);
            }

            using var stop = cancellation.Register(() => node.Finished.TrySetResult("cancelled"));
            cluster.RegisterOnMemberRemoved(() => node.Finished.TrySetResult("this node was removed from the cluster"));
            string? error = await node.Finished.Task.ConfigureAwait(false);
            return error;
        }
        finally
        {
            node.WaitForWork(TimeSpan.FromMinutes(2)); // a cancelled stage stops at its next step boundary
            // Leave gracefully so the others see an exit, not a crash; give it a few seconds at most.
            var leave = CoordinatedShutdown.Get(system).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
            await Task.WhenAny(leave, Task.Delay(TimeSpan.FromSeconds(10))).ConfigureAwait(false);
            await Task.WhenAny(system.Terminate(), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The node's ActorSystem: <see cref="AkkaConfig"/>, plus (unless insecure) the node's TLS identity, loaded and
    /// checked here so that a bad file stops the node before it listens.
    /// </summary>
    /// <exception cref="ArgumentException">TLS is on and a file is not named.</exception>
    /// <exception cref="FileNotFoundException">TLS is on and a named file does not exist.</exception>
    /// <exception cref="InvalidDataException">TLS is on and a file is unreadable, malformed or does not match the others.</exception>
    public static ActorSystem CreateSystem(NodeOptions options, Config? extraAkka = null)
    {
        var bootstrap = BootstrapSetup.Create().WithConfig(AkkaConfig(options, extraAkka));
        if (options.Insecure) return ActorSystem.Create(NodeOptions.ActorSystemName, bootstrap);
        var identity = NodeTlsIdentity.Load(options.Tls);
        try
        {
            var system = ActorSystem.Create(NodeOptions.ActorSystemName, ActorSystemSetup.Create(bootstrap, identity.SslSetup()));
            system.WhenTerminated.ContinueWith(_ => identity.Dispose(), TaskScheduler.Default);
            return system;
        }
        catch
        {
            identity.Dispose();
            throw;
        }
    }

    /// <summary>What an insecure node says when it starts listening beyond this machine.</summary>
    public static string InsecureWarning(NodeOptions options) =>
        $"""
        ************************************************************************************************
        WARNING: --insecure: remoting on {options.BindHostname}:{options.Port} runs WITHOUT TLS. Anyone who can reach
        this port can join the cluster, send it results and commands, and read its traffic. Use this only
        on a network nobody else can reach; give the node {NodeTlsFiles.CaVariable}, {NodeTlsFiles.CertVariable} and {NodeTlsFiles.KeyVariable} instead.
        ************************************************************************************************
        """;

    private static bool IsLoopback(string host) =>
        host == "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));

    /// <summary>The node's Akka configuration: roles, addresses, TLS on or off, cluster, our serializer, frame size, split-brain resolver.</summary>
    public static Config AkkaConfig(NodeOptions options, Config? extra = null)
    {
        string Quote(string s) => "\"" + s.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
        string hocon = $$"""
            akka {
              loglevel = WARNING
              stdout-loglevel = WARNING
              log-dead-letters = off
              log-dead-letters-during-shutdown = off
              actor.provider = cluster
              remote.dot-netty.tcp {
                hostname = {{Quote(options.BindHostname)}}
                public-hostname = {{Quote(options.Hostname)}}
                port = {{options.Port}}
                # With TLS the certificate and its validation come from the DotNettySslSetup CreateSystem adds.
                enable-ssl = {{(options.Insecure ? "false" : "true")}}
              }
              cluster {
                roles = [{{string.Join(", ", options.Roles.Select(Quote))}}]
                seed-nodes = [{{string.Join(", ", options.SeedAddresses.Select(Quote))}}]
                split-brain-resolver.stable-after = {{options.DownAfterS.ToString(System.Globalization.CultureInfo.InvariantCulture)}}s
                failure-detector.acceptable-heartbeat-pause = {{options.HeartbeatPauseS.ToString(System.Globalization.CultureInfo.InvariantCulture)}}s
                run-coordinated-shutdown-when-down = on
                # Akka.NET logs a false "failed to find singleton" warning on every proxy start (akka.net#8568).
                singleton-proxy.log-singleton-identification-failure = false
              }
              coordinated-shutdown.exit-clr = off
            }
            """;
        var config = ConfigurationFactory.ParseString(hocon).WithFallback(RemitHocon.Config);
        if (options.Discovery == ClusterDiscovery.Kubernetes) config = config.WithFallback(KubernetesBootstrap.AkkaConfig(options));
        return extra is null ? config : extra.WithFallback(config);
    }
}
