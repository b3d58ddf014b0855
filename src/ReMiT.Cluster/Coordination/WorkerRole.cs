namespace ReMiT.Cluster.Coordination;

/// <summary>What a registered worker does (its Akka.Cluster role); the wire carries <see cref="WorkerRoles.Name"/>.</summary>
public enum WorkerRole { Rollout, Verifier, Guide, Learner }
