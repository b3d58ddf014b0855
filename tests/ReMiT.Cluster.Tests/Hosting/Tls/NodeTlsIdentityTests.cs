using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using ReMiT.Cluster.Hosting.Tls;

namespace ReMiT.Cluster.Tests.Hosting.Tls;

public sealed class NodeTlsIdentityTests : IDisposable
{
    private readonly TestPki _run = new("run CA");
    private readonly TestPki _other = new("other CA");

    public void Dispose()
    {
        _run.Dispose();
        _other.Dispose();
    }

    [Fact]
    public void Load_FilesOfOneRun_GivesTheCertificateWithItsKeyAndTheRunsCa()
    {
        using var identity = NodeTlsIdentity.Load(_run.Node("node-a"));
        Assert.Equal("CN=node-a", identity.Certificate.Subject);
        Assert.True(identity.Certificate.HasPrivateKey);
        Assert.Equal(_run.Authority.Thumbprint, Assert.Single(identity.AuthorityCertificates).Thumbprint);
        var setup = identity.SslSetup();
        Assert.True(setup.RequireMutualAuthentication);
        Assert.False(setup.SuppressValidation);
        Assert.NotNull(setup.CustomValidator);
    }

    [Theory]
    [InlineData("ca", "REMIT_TLS_CA")]
    [InlineData("cert", "REMIT_TLS_CERT")]
    [InlineData("key", "REMIT_TLS_KEY")]
    public void Load_MissingFile_NamesTheFileAndItsVariable(string which, string variable)
    {
        var files = _run.Node("node-a");
        string gone = Path.Combine(_run.Folder, "gone.pem");
        files = which switch
        {
            "ca" => files with { CaPath = gone },
            "cert" => files with { CertPath = gone },
            _ => files with { KeyPath = gone },
        };
        var e = Assert.Throws<FileNotFoundException>(() => NodeTlsIdentity.Load(files));
        Assert.Contains($"{gone} ({variable}) does not exist", e.Message);
    }

    [Fact]
    public void Load_UnsetVariables_NamesThemAndInsecure()
    {
        var e = Assert.Throws<ArgumentException>(() => NodeTlsIdentity.Load(NodeTlsFiles.None));
        Assert.StartsWith("REMIT_TLS_CA, REMIT_TLS_CERT, REMIT_TLS_KEY not set", e.Message);
        Assert.Contains("--insecure", e.Message);
    }

    [Fact]
    public void Load_KeyOfAnotherCertificate_NamesBothFiles()
    {
        var a = _run.Node("node-a");
        var b = _run.Node("node-b");
        var e = Assert.Throws<InvalidDataException>(() => NodeTlsIdentity.Load(a with { KeyPath = b.KeyPath }));
        Assert.Contains($"{a.CertPath} (REMIT_TLS_CERT) and {b.KeyPath} (REMIT_TLS_KEY) are not a certificate and its private key", e.Message);
    }

    [Fact]
    public void Load_CertificateFromAnotherCa_IsRefusedNamingTheCertificateAndTheCa()
    {
        var rogue = _other.Node("rogue");
        var e = Assert.Throws<InvalidDataException>(() => NodeTlsIdentity.Load(rogue with { CaPath = _run.CaPath }));
        Assert.Contains($"{rogue.CertPath} (REMIT_TLS_CERT) is not accepted by the CA in {_run.CaPath} (REMIT_TLS_CA)", e.Message);
        Assert.Contains("does not chain to the run's CA", e.Message);
    }

    [Fact]
    public void Load_NodeCertificateGivenAsTheCa_SaysItIsNotACa()
    {
        var a = _run.Node("node-a");
        var e = Assert.Throws<InvalidDataException>(() => NodeTlsIdentity.Load(a with { CaPath = a.CertPath }));
        Assert.Contains($"{a.CertPath} (REMIT_TLS_CA) holds 'CN=node-a', which is not a CA certificate", e.Message);
    }

    [Fact]
    public void Load_CaFileWithoutACertificate_SaysWhatItShouldHold()
    {
        var a = _run.Node("node-a");
        string empty = Path.Combine(_run.Folder, "empty.crt");
        File.WriteAllText(empty, "not a certificate\n");
        var e = Assert.Throws<InvalidDataException>(() => NodeTlsIdentity.Load(a with { CaPath = empty }));
        Assert.Contains($"{empty} (REMIT_TLS_CA) holds no certificate", e.Message);
    }

    [Fact]
    public void Validator_PlatformVerdictIsReplacedByTheRunsCa()
    {
        using var identity = NodeTlsIdentity.Load(_run.Node("node-a"));
        var validate = identity.Authority.Validator();
        using var peer = X509Certificate2.CreateFromPem(File.ReadAllText(_run.Node("node-b").CertPath)); // what a peer sends: no key
        using var rogue = X509Certificate2.CreateFromPem(File.ReadAllText(_other.Node("rogue").CertPath));

        // A peer of the run is accepted although the machine's trust store knows nothing of the run's CA
        // and its name is not the host name it was reached by ...
        Assert.True(validate(peer, null, "peer", SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch, NoLogger.Instance));
        // ... and a certificate from any other CA is refused even where the platform found no fault with it.
        Assert.False(validate(rogue, null, "rogue", SslPolicyErrors.None, NoLogger.Instance));
        Assert.False(validate(null, null, "anonymous", SslPolicyErrors.RemoteCertificateNotAvailable, NoLogger.Instance));
    }

    [Fact]
    public void Check_SelfSignedCertificate_IsNotTheRunsCa()
    {
        var authority = new RunAuthority([_run.Authority]);
        Assert.Null(authority.Check(_run.Authority)); // the CA itself chains to itself
        Assert.Contains("UntrustedRoot", authority.Check(_other.Authority));
    }
}
