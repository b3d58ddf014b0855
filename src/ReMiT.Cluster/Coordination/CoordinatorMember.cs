namespace ReMiT.Cluster.Coordination;

/// <summary>
/// A registered worker as the coordinator's state knows it: <paramref name="Id"/> is stable for the life of
/// its actor (the actor's full path with address), so the state needs no actor refs.
/// </summary>
public sealed record CoordinatorMember(string Id, WorkerRole Role, int Rank, int Size, int Pid, string Host, string Address, int MetricsPort)
{
    public override string ToString() => $"{WorkerRoles.Name(Role)} rank {Rank} ({Address}, pid {Pid})";
}
