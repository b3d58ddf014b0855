using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akka.Remote.Transport.DotNetty;

namespace ReMiT.Cluster.Hosting.Tls;

/// <summary>
/// A node's TLS identity loaded from its PEM files: the run's CA (the only trust anchor, see
/// <see cref="RunAuthority"/>) and the node's certificate with its private key. Loading checks what
/// a handshake would otherwise find out late and vaguely: every file exists and parses, ca.crt holds
/// CA certificates, the key belongs to the certificate, and the certificate chains to the CA.
/// </summary>
public sealed class NodeTlsIdentity : IDisposable
{
    private NodeTlsIdentity(X509Certificate2Collection authority, X509Certificate2 certificate)
    {
        AuthorityCertificates = authority;
        Certificate = certificate;
        Authority = new RunAuthority(authority);
    }

    public X509Certificate2Collection AuthorityCertificates { get; }
    public RunAuthority Authority { get; }
    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Loads and cross-checks the three files.</summary>
    /// <exception cref="ArgumentException">A file is not named; the message names the variable to set.</exception>
    /// <exception cref="FileNotFoundException">A named file does not exist; the message names the file and its variable.</exception>
    /// <exception cref="InvalidDataException">A file cannot be read or does not hold what it should; the message names it, its variable and what to do.</exception>
    public static NodeTlsIdentity Load(NodeTlsFiles files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Missing() is { Count: > 0 } missing)
            throw new ArgumentException($"{string.Join(", ", missing)} not set: {RequirementText}");

        string caPem = Read(files.CaPath, NodeTlsFiles.CaVariable);
        string certPem = Read(files.CertPath, NodeTlsFiles.CertVariable);
        string keyPem = Read(files.KeyPath, NodeTlsFiles.KeyVariable);

        var authority = new X509Certificate2Collection();
        try { authority.ImportFromPem(caPem); }
        catch (CryptographicException e) { throw Bad(files.CaPath, NodeTlsFiles.CaVariable, $"is not a PEM certificate file: {e.Message}", e); }
        if (authority.Count == 0)
            throw Bad(files.CaPath, NodeTlsFiles.CaVariable, "holds no certificate (expected -----BEGIN CERTIFICATE-----, the run's CA as ca.crt)");
        foreach (var ca in authority)
            if (ca.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true })
                throw Bad(files.CaPath, NodeTlsFiles.CaVariable,
                    $"holds '{ca.Subject}', which is not a CA certificate (no basic constraint CA:TRUE); perhaps a node certificate (tls.crt) was given as the CA");

        X509Certificate2 certificate;
        try { certificate = X509Certificate2.CreateFromPem(certPem, keyPem); }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidDataException(
                $"{files.CertPath} ({NodeTlsFiles.CertVariable}) and {files.KeyPath} ({NodeTlsFiles.KeyVariable}) are not a certificate and its private key: {e.Message.TrimEnd('.')}. " +
                "The key must be the unencrypted PEM private key (PKCS#1, PKCS#8 or SEC1) of that certificate, as tls.key beside tls.crt.", e);
        }

        var identity = new NodeTlsIdentity(authority, certificate);
        if (identity.Authority.Check(certificate) is { } why)
        {
            identity.Dispose();
            throw Bad(files.CertPath, NodeTlsFiles.CertVariable,
                $"is not accepted by the CA in {files.CaPath} ({NodeTlsFiles.CaVariable}): {why}. Give every node a certificate signed by the same run CA");
        }
        return identity;
    }

    /// <summary>What a secure node needs, for error messages.</summary>
    public const string RequirementText =
        "a cluster node needs the run's CA certificate, its own certificate and its private key as PEM files, named by " +
        NodeTlsFiles.CaVariable + ", " + NodeTlsFiles.CertVariable + " and " + NodeTlsFiles.KeyVariable +
        " (cluster/local/up.sh and the Helm chart set them). To run without TLS, where anyone who can reach the port can join, pass --insecure.";

    /// <summary>
    /// Akka.Remote's TLS setup: mutual authentication (each side presents its certificate and checks the
    /// other's), chain validation against the run's CA only, no host-name check (see <see cref="RunAuthority"/>).
    /// </summary>
    public DotNettySslSetup SslSetup() => new(Certificate, suppressValidation: false, requireMutualAuthentication: true,
                                              validateCertificateHostname: false, customValidator: Authority.Validator());

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var ca in AuthorityCertificates) ca.Dispose();
    }

    private static string Read(string path, string variable)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{path} ({variable}) does not exist: {RequirementText}", path);
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Bad(path, variable, $"cannot be read: {e.Message} (check the file's owner and mode, or the secret's defaultMode)", e);
        }
    }

    private static InvalidDataException Bad(string path, string variable, string what, Exception? inner = null) =>
        new($"{path} ({variable}) {what}.", inner);
}
