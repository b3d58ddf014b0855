namespace ReMiT.Cluster.Coordination;

/// <summary>The worker roles as the wire and the cluster name them, parsed once where a message is decoded.</summary>
public static class WorkerRoles
{
    /// <summary>Every worker role, in the order members are listed.</summary>
    public static readonly WorkerRole[] All = [WorkerRole.Rollout, WorkerRole.Verifier, WorkerRole.Guide, WorkerRole.Learner];

    /// <summary>The role's name in <c>RegisterWorker</c>, in <c>akka.cluster.roles</c> and in metric labels.</summary>
    public static string Name(WorkerRole role) => role switch
    {
        WorkerRole.Rollout => "rollout",
        WorkerRole.Verifier => "verifier",
        WorkerRole.Guide => "guide",
        WorkerRole.Learner => "learner",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "not a worker role"),
    };

    /// <summary>The role named <paramref name="name"/>, or false when it is no worker role (the coordinator's own included).</summary>
    public static bool TryParse(string? name, out WorkerRole role)
    {
        foreach (var r in All)
            if (Name(r) == name) { role = r; return true; }
        role = default;
        return false;
    }
}
