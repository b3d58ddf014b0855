using ReMiT.Cluster.Messages;

namespace ReMiT.Cluster.Coordination;

/// <summary>Work kinds as messages name them (<see cref="WorkKinds"/>), parsed once where a message is decoded.</summary>
public static class WorkKindNames
{
    public static readonly WorkKind[] All = [WorkKind.Rollout, WorkKind.Verify, WorkKind.Guide, WorkKind.Eval];

    public static string Name(WorkKind kind) => kind switch
    {
        WorkKind.Rollout => WorkKinds.Rollout,
        WorkKind.Verify => WorkKinds.Verify,
        WorkKind.Guide => WorkKinds.Guide,
        WorkKind.Eval => WorkKinds.Eval,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a work kind"),
    };

    public static bool TryParse(string? name, out WorkKind kind)
    {
        foreach (var k in All)
            if (Name(k) == name) { kind = k; return true; }
        kind = default;
        return false;
    }

    /// <summary>The role that asks for (and is handed) this kind of work; rollout nodes also run evaluations.</summary>
    public static WorkerRole Worker(WorkKind kind) => kind switch
    {
        WorkKind.Rollout or WorkKind.Eval => WorkerRole.Rollout,
        WorkKind.Verify => WorkerRole.Verifier,
        WorkKind.Guide => WorkerRole.Guide,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a work kind"),
    };

    /// <summary>Whose credit a lease of this kind uses: evaluations run on a rollout node's rollout credit.</summary>
    public static WorkKind CreditOf(WorkKind kind) => kind == WorkKind.Eval ? WorkKind.Rollout : kind;
}
