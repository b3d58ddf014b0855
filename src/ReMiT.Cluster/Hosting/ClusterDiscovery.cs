namespace ReMiT.Cluster.Hosting;

/// <summary>How a node finds the cluster it joins (--discovery, REMIT_DISCOVERY).</summary>
public enum ClusterDiscovery
{
    /// <summary>
    /// Static seed nodes (--seed-nodes, REMIT_SEED_NODES); a coordinator given none founds the cluster. What
    /// <c>cluster/local/up.sh</c> and the one-process flywheel use.
    /// </summary>
    Seeds,

    /// <summary>
    /// Akka Cluster Bootstrap over the Kubernetes API (<see cref="KubernetesDiscoveryOptions"/>): the node lists the
    /// release's pods, asks each one's management endpoint which cluster it is in and joins that one; only when no pod
    /// is in a cluster does the pod with the lowest address found a new one. A restarted pod therefore rejoins the
    /// running cluster instead of founding a second one.
    /// </summary>
    Kubernetes,
}
