using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace ReMiT.Cluster.Hosting.Tls;

/// <summary>
/// Makes a throwaway run CA and node certificates in memory (ECDSA P-256), for <c>remit bench messages
/// --tls</c> and the tests. Real runs get theirs from <c>cluster/local/up.sh</c> (openssl) or the Helm
/// chart (its generated secret or cert-manager); what this makes has the same shape: a CA with
/// CA:TRUE, node certificates with both TLS usages (each node is server and client) and their names
/// as subject alternative names.
/// </summary>
public static class RunCertificates
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>A self-signed CA certificate with its private key, valid for <paramref name="lifetime"/>.</summary>
    public static X509Certificate2 CreateAuthority(string name, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now - ClockSkew, now + lifetime);
    }

    /// <summary>A node certificate signed by <paramref name="authority"/> (which must hold its private key), with its private key.</summary>
    /// <param name="names">Host names and IP addresses the node is reached by (subject alternative names).</param>
    public static X509Certificate2 Issue(X509Certificate2 authority, string name, IEnumerable<string> names, TimeSpan lifetime)
    {
        ArgumentNullException.ThrowIfNull(authority);
        if (!authority.HasPrivateKey) throw new ArgumentException($"the CA '{authority.Subject}' has no private key to sign with.", nameof(authority));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={name}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "serverAuth"), new Oid("1.3.6.1.5.5.7.3.2", "clientAuth")], critical: false));
        var san = new SubjectAlternativeNameBuilder();
        foreach (string n in names)
        {
            if (IPAddress.TryParse(n, out var ip)) san.AddIpAddress(ip);
            else san.AddDnsName(n);
        }
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var now = DateTimeOffset.UtcNow;
        var notAfter = now + lifetime < authority.NotAfter ? now + lifetime : new DateTimeOffset(authority.NotAfter);
        byte[] serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive serial number
        using var signed = request.Create(authority, now - ClockSkew, notAfter, serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// Writes <paramref name="certificate"/> and its private key as PEM (<c>tls.crt</c>/<c>tls.key</c> layout;
    /// the key file readable by its owner only) and returns the paths.
    /// </summary>
    public static (string CertPath, string KeyPath) WritePem(X509Certificate2 certificate, string directory, string stem)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var key = certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException($"'{certificate.Subject}' has no ECDSA private key to write.", nameof(certificate));
        Directory.CreateDirectory(directory);
        string certPath = Path.Combine(directory, stem + ".crt");
        string keyPath = Path.Combine(directory, stem + ".key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem() + "\n");
        var keyFile = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) keyFile.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var writer = new StreamWriter(keyPath, keyFile))
            writer.Write(key.ExportPkcs8PrivateKeyPem() + "\n");
        return (certPath, keyPath);
    }
}
