using System.Security.Cryptography.X509Certificates;
using ReMiT.Cluster.Hosting.Tls;

namespace ReMiT.Cluster.Tests.Hosting.Tls;

/// <summary>A CA of its own (ca.crt in a temp folder) that issues node certificates as PEM files.</summary>
internal sealed class TestPki : IDisposable
{
    private readonly TempDir _dir = new();

    public TestPki(string name)
    {
        Authority = RunCertificates.CreateAuthority(name, TimeSpan.FromHours(1));
        CaPath = Path.Combine(_dir.Path, "ca.crt");
        File.WriteAllText(CaPath, Authority.ExportCertificatePem() + "\n");
    }

    public X509Certificate2 Authority { get; }
    public string CaPath { get; }
    public string Folder => _dir.Path;

    /// <summary>A node certificate and key from this CA, with this CA as the trust anchor.</summary>
    public NodeTlsFiles Node(string name)
    {
        using var certificate = RunCertificates.Issue(Authority, name, ["127.0.0.1", "localhost"], TimeSpan.FromHours(1));
        var (cert, key) = RunCertificates.WritePem(certificate, Path.Combine(_dir.Path, name), "tls");
        return new NodeTlsFiles(CaPath, cert, key);
    }

    public void Dispose()
    {
        Authority.Dispose();
        _dir.Dispose();
    }
}
