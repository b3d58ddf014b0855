namespace ReMiT.Cluster.Coordination;

/// <summary>
/// Values of the <c>reason</c> label of <c>remit_leases_reissued_total</c>: why the coordinator handed a
/// work lease out again. A fixed, small set, so the counter's cardinality stays bounded.
/// </summary>
public static class ReissueReasons
{
    /// <summary>The lease's holder left the cluster.</summary>
    public const string MemberLost = "member_lost";

    /// <summary>The holder reported the work as failed.</summary>
    public const string Failed = "failed";

    /// <summary>The lease ran past its deadline.</summary>
    public const string Timeout = "timeout";

    public static readonly string[] All = [MemberLost, Failed, Timeout];
}
