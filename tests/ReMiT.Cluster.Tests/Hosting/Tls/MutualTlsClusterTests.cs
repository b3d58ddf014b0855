using System.Diagnostics;
using Akka.Actor;
using Akka.Actor.Setup;
using Akka.Cluster;
using Akka.Remote.Transport.DotNetty;
using ReMiT.Cluster.Hosting;
using ReMiT.Cluster.Hosting.Tls;
using ReMiT.Cluster.Messages;

namespace ReMiT.Cluster.Tests.Hosting.Tls;

/// <summary>
/// Real cluster nodes (<see cref="ClusterNode.CreateSystem"/>) on 127.0.0.1: members of one run find each
/// other over mutual TLS; a node whose certificate comes from another CA is never let in or heard.
/// </summary>
public sealed class MutualTlsClusterTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestPki _run = new("run CA");
    private readonly TestPki _rogueCa = new("rogue CA");
    private readonly List<ActorSystem> _systems = [];

    public void Dispose()
    {
        Task.WaitAll([.. _systems.Select(s => s.Terminate())], TimeSpan.FromSeconds(20));
        _run.Dispose();
        _rogueCa.Dispose();
    }

    [Fact]
    public async Task CreateSystem_TwoNodesWithCertificatesFromTheRunsCa_FormAClusterAndExchangeAMessage()
    {
        var a = Start(_run.Node("node-a"));
        var b = Start(_run.Node("node-b"));
        var seed = Found(a);
        Assert.Equal("akka.ssl.tcp", seed.Protocol);
        Akka.Cluster.Cluster.Get(b).Join(seed);

        await Until(() => UpMembers(a) == 2 && UpMembers(b) == 2, "both nodes Up in both nodes' view");
        var heard = new Counter();
        a.ActorOf(Props.Create(() => new Echo(heard)), "echo");
        var echo = await b.ActorSelection(new RootActorPath(seed) / "user" / "echo").ResolveOne(Patience);
        var reply = await echo.Ask<RequestWork>(new RequestWork(WorkKinds.Rollout, 3), Patience);
        Assert.Equal(new RequestWork(WorkKinds.Rollout, 3), reply);
        Assert.Equal(1, heard.Value);
    }

    [Fact]
    public async Task CreateSystem_RogueWithACertificateFromAnotherCa_NeverBecomesAMemberAndIsNeverHeard()
    {
        var a = Start(_run.Node("node-a"));
        var seed = Found(a);
        await Until(() => UpMembers(a) == 1, "the founding node Up");
        var heard = new Counter();
        a.ActorOf(Props.Create(() => new Echo(heard)), "echo");

        // The rogue itself trusts anyone, so only the run's node can be what keeps it out.
        var rogue = StartRogue();
        Akka.Cluster.Cluster.Get(rogue).Join(seed);
        rogue.ActorSelection(new RootActorPath(seed) / "user" / "echo").Tell(new RequestWork(WorkKinds.Rollout, 1));
        // A join over an accepted connection takes well under a second on loopback; give it many times that.
        await Task.Delay(TimeSpan.FromSeconds(8));

        Assert.Equal(Akka.Cluster.Cluster.Get(a).SelfAddress, Assert.Single(Akka.Cluster.Cluster.Get(a).State.Members).Address);
        Assert.NotEqual(MemberStatus.Up, Akka.Cluster.Cluster.Get(rogue).SelfMember.Status);
        Assert.Equal(0, heard.Value);
    }

    [Fact]
    public async Task CreateSystem_NodeOfTheRunGivenARogueSeed_RefusesTheRoguesCertificateAndNeverJoins()
    {
        var rogue = StartRogue();
        var rogueSeed = Found(rogue);
        await Until(() => UpMembers(rogue) == 1, "the rogue founding its own cluster");

        var b = Start(_run.Node("node-b"));
        Akka.Cluster.Cluster.Get(b).Join(rogueSeed);
        await Task.Delay(TimeSpan.FromSeconds(8));

        Assert.Single(Akka.Cluster.Cluster.Get(rogue).State.Members);
        Assert.NotEqual(MemberStatus.Up, Akka.Cluster.Cluster.Get(b).SelfMember.Status);
    }

    [Fact]
    public async Task CreateSystem_TwoInsecureNodes_FormAClusterOverPlainTcp()
    {
        var a = Start(null);
        var b = Start(null);
        var seed = Found(a);
        Assert.Equal("akka.tcp", seed.Protocol);
        Akka.Cluster.Cluster.Get(b).Join(seed);
        await Until(() => UpMembers(a) == 2 && UpMembers(b) == 2, "both insecure nodes Up");
    }

    // tls null: an --insecure node.
    private ActorSystem Start(NodeTlsFiles? tls)
    {
        var options = new NodeOptions
        {
            Roles = ["rollout"], Hostname = "127.0.0.1", BindHostname = "127.0.0.1", Port = 0, RunDirectory = "unused",
            Tls = tls ?? NodeTlsFiles.None, Insecure = tls is null,
        };
        var system = ClusterNode.CreateSystem(options);
        _systems.Add(system);
        return system;
    }

    // A node with a certificate of its own CA that presents it as required but accepts every peer's.
    private ActorSystem StartRogue()
    {
        var options = new NodeOptions { Roles = ["rollout"], Hostname = "127.0.0.1", BindHostname = "127.0.0.1", Port = 0, RunDirectory = "unused" };
        var identity = NodeTlsIdentity.Load(_rogueCa.Node("rogue"));
        var trustsAnyone = new DotNettySslSetup(identity.Certificate, suppressValidation: true, requireMutualAuthentication: true,
                                                validateCertificateHostname: false, customValidator: (_, _, _, _, _) => true);
        var system = ActorSystem.Create(NodeOptions.ActorSystemName,
            ActorSystemSetup.Create(BootstrapSetup.Create().WithConfig(ClusterNode.AkkaConfig(options)), trustsAnyone));
        system.WhenTerminated.ContinueWith(_ => identity.Dispose(), TaskScheduler.Default);
        _systems.Add(system);
        return system;
    }

    private static Address Found(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        cluster.Join(cluster.SelfAddress);
        return cluster.SelfAddress;
    }

    private static int UpMembers(ActorSystem system) =>
        Akka.Cluster.Cluster.Get(system).State.Members.Count(m => m.Status == MemberStatus.Up);

    private static async Task Until(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > Patience) Assert.Fail($"not reached within {Patience.TotalSeconds:F0} s: {what}");
            await Task.Delay(100);
        }
    }

    private sealed class Counter
    {
        private int _value;
        public int Value => Volatile.Read(ref _value);
        public void Increment() => Interlocked.Increment(ref _value);
    }

    private sealed class Echo : ReceiveActor
    {
        public Echo(Counter heard) => Receive<RequestWork>(m =>
        {
            heard.Increment();
            Sender.Tell(m);
        });
    }
}
