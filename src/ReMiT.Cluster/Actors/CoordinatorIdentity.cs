using Akka.Actor;
using Akka.Cluster;

namespace ReMiT.Cluster.Actors;

/// <summary>
/// Tells a worker whether a message comes from the current coordinator. Workers are given the
/// coordinator's singleton proxy, which never appears as a sender: the coordinator itself answers. So
/// the sender must be the ref the worker was given (a test's stand-in coordinator), or the singleton
/// <c>/user/coordinator/coordinator</c> (as <c>ClusterNode</c> starts it) on the node where the
/// singleton lives now: the oldest member with the coordinator role, as this node sees the cluster.
/// A process that is no member, a member of another role, or a coordinator the singleton has moved
/// away from is not obeyed.
/// </summary>
internal sealed class CoordinatorIdentity(IActorRef given, ActorSystem system)
{
    private const string Role = "coordinator";
    private static readonly string[] SingletonPath = ["user", "coordinator", "coordinator"];

    /// <summary>Whether <paramref name="sender"/> speaks for the run now.</summary>
    public bool IsCurrent(IActorRef sender)
    {
        if (sender.Equals(given)) return true;
        if (((ExtendedActorSystem)system).Provider is not IClusterActorRefProvider) return false;
        if (!sender.Path.Elements.SequenceEqual(SingletonPath)) return false;
        var cluster = Akka.Cluster.Cluster.Get(system);
        var address = sender.Path.Address.HasLocalScope ? cluster.SelfAddress : sender.Path.Address;
        return Oldest(cluster.State.Members) is { } oldest && oldest.Address.Equals(address);
    }

    /// <summary>
    /// The node (with its incarnation) the coordinator singleton runs on now, as this node sees the cluster, or
    /// null when none is up or this is no cluster node: a change means a new coordinator that knows no one.
    /// </summary>
    public UniqueAddress? Host()
    {
        if (((ExtendedActorSystem)system).Provider is not IClusterActorRefProvider) return null;
        return Oldest(Akka.Cluster.Cluster.Get(system).State.Members)?.UniqueAddress;
    }

    // Where the singleton manager runs the singleton: the oldest coordinator-role member still up
    // (or leaving, while it hands the singleton over).
    private static Member? Oldest(IEnumerable<Member> members)
    {
        Member? oldest = null;
        foreach (var m in members)
            if (m.HasRole(Role) && m.Status is MemberStatus.Up or MemberStatus.Leaving && (oldest is null || m.IsOlderThan(oldest)))
                oldest = m;
        return oldest;
    }
}
