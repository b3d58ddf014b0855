namespace ReMiT.Cluster.Coordination;

/// <summary>A kind of leased work; the wire carries <see cref="WorkKindNames.Name"/> (the <c>WorkKinds</c> constants).</summary>
public enum WorkKind { Rollout, Verify, Guide, Eval }
