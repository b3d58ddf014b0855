namespace ReMiT.Cluster.Actors;

/// <summary>
/// Values of the <c>reason</c> label of <c>remit_messages_rejected_total</c>: why a message that decoded
/// fine was still refused. A fixed, small set, so the counter's cardinality stays bounded.
/// </summary>
public static class RejectReasons
{
    /// <summary>A worker got a command from someone other than the current coordinator.</summary>
    public const string NotCoordinator = "not_coordinator";

    /// <summary>The coordinator got a message from an actor that is not a registered worker on a cluster member.</summary>
    public const string NotMember = "not_member";

    /// <summary>The sender is a registered worker, but its role does not send this (e.g. a verifier's rollouts, a rank 1 learner's StageCompleted).</summary>
    public const string WrongRole = "wrong_role";

    /// <summary>A result or failure for a lease the sender was never handed.</summary>
    public const string NotLeaseHolder = "not_lease_holder";

    /// <summary>A result or failure for a work id that is not outstanding (never issued, or its stage is over).</summary>
    public const string UnknownLease = "unknown_lease";

    /// <summary>A result that contradicts its lease, or a name that cannot be a path segment in the run directory.</summary>
    public const string BadContent = "bad_content";
}
