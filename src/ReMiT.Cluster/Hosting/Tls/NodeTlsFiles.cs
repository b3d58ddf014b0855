namespace ReMiT.Cluster.Hosting.Tls;

/// <summary>
/// Where a node finds its TLS identity: the run's CA certificate, the node's certificate and its
/// private key, PEM files laid out as a Kubernetes TLS secret or a cert-manager certificate
/// (<c>ca.crt</c>, <c>tls.crt</c>, <c>tls.key</c>), named by <see cref="CaVariable"/>,
/// <see cref="CertVariable"/> and <see cref="KeyVariable"/>.
/// </summary>
public sealed record NodeTlsFiles(string CaPath, string CertPath, string KeyPath)
{
    public const string CaVariable = "REMIT_TLS_CA";
    public const string CertVariable = "REMIT_TLS_CERT";
    public const string KeyVariable = "REMIT_TLS_KEY";

    /// <summary>No files named yet.</summary>
    public static NodeTlsFiles None { get; } = new("", "", "");

    /// <summary>This record with every variable that <paramref name="env"/> sets applied on top.</summary>
    public NodeTlsFiles WithEnvironment(Func<string, string?> env) => new(
        NonEmpty(env(CaVariable)) ?? CaPath, NonEmpty(env(CertVariable)) ?? CertPath, NonEmpty(env(KeyVariable)) ?? KeyPath);

    /// <summary>The variables whose file is not named (empty when all three are).</summary>
    public IReadOnlyList<string> Missing() =>
        new[] { (CaVariable, CaPath), (CertVariable, CertPath), (KeyVariable, KeyPath) }
            .Where(v => string.IsNullOrWhiteSpace(v.Item2)).Select(v => v.Item1).ToList();

    private static string? NonEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
