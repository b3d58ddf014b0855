namespace ReMiT.Cluster.Hosting;

/// <summary>Parses <see cref="ClusterDiscovery"/> from its CLI and environment spelling.</summary>
public static class ClusterDiscoveryNames
{
    public const string Variable = "REMIT_DISCOVERY";

    /// <summary><c>seeds</c> or <c>kubernetes</c>; anything else names the setting and the accepted values.</summary>
    public static ClusterDiscovery Parse(string value, string setting = Variable) => value.Trim().ToLowerInvariant() switch
    {
        "seeds" => ClusterDiscovery.Seeds,
        "kubernetes" => ClusterDiscovery.Kubernetes,
        _ => throw new ArgumentException($"{setting}='{value}': expected seeds (static seed nodes) or kubernetes (Cluster Bootstrap through the Kubernetes API)."),
    };

    public static string Name(ClusterDiscovery discovery) => discovery switch
    {
        ClusterDiscovery.Seeds => "seeds",
        ClusterDiscovery.Kubernetes => "kubernetes",
        _ => throw new ArgumentOutOfRangeException(nameof(discovery), discovery, null),
    };
}
