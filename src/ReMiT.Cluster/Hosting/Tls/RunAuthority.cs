using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akka.Event;
using Akka.Remote.Transport.DotNetty;

namespace ReMiT.Cluster.Hosting.Tls;

/// <summary>
/// The run's certificate authority as the only trust anchor of remoting: a peer is accepted when its
/// certificate chains to one of these CA certificates, whatever the machine's own trust store says
/// (a public CA signs certificates for strangers, the run's CA only for the run's nodes). Host names
/// are not checked: pods and ports change, and what makes a peer a member of the run is the CA's
/// signature, not the name it is reached by.
/// </summary>
public sealed class RunAuthority
{
    private readonly X509Certificate2Collection _roots;

    /// <param name="roots">The run's CA certificate(s), as in <c>ca.crt</c>.</param>
    public RunAuthority(X509Certificate2Collection roots)
    {
        ArgumentNullException.ThrowIfNull(roots);
        if (roots.Count == 0) throw new ArgumentException("a run authority needs at least one CA certificate.", nameof(roots));
        _roots = roots;
    }

    /// <summary>
    /// Null when <paramref name="certificate"/> chains to the run's CA and is valid now; else why not
    /// (the chain's status, e.g. "UntrustedRoot" for a certificate from another CA).
    /// </summary>
    /// <param name="intermediates">Certificates the peer sent beside its own, used to build the chain but never trusted.</param>
    public string? Check(X509Certificate2 certificate, IEnumerable<X509Certificate2>? intermediates = null)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        var policy = chain.ChainPolicy;
        policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        policy.CustomTrustStore.AddRange(_roots);
        // A per-run CA publishes no revocation list and no issuer URLs; nothing is fetched from the network.
        policy.RevocationMode = X509RevocationMode.NoCheck;
        policy.DisableCertificateDownloads = true;
        if (intermediates is not null)
            foreach (var c in intermediates)
                policy.ExtraStore.Add(c);
        if (!chain.Build(certificate))
        {
            var reasons = chain.ChainStatus.Select(s => $"{s.Status} ({s.StatusInformation.Trim()})").Distinct();
            return $"certificate '{certificate.Subject}' issued by '{certificate.Issuer}' does not chain to the run's CA: {string.Join("; ", reasons)}";
        }
        // CustomRootTrust only ends a valid chain at a certificate of the custom store; say so explicitly anyway.
        var root = chain.ChainElements[^1].Certificate;
        return _roots.Any(r => r.RawDataMemory.Span.SequenceEqual(root.RawDataMemory.Span))
            ? null
            : $"certificate '{certificate.Subject}' chains to '{root.Subject}', which is not the run's CA";
    }

    /// <summary>
    /// The check as Akka.Remote's validation callback, run in the TLS handshake of every connection in
    /// both directions (the server checks the client's certificate and the client the server's). The
    /// platform's verdict on the chain (against the machine's trust store) and on the host name is
    /// replaced by <see cref="Check"/>; a peer without a certificate is refused.
    /// </summary>
    public CertificateValidationCallback Validator() => (certificate, chain, peer, errors, log) =>
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            log.Warning("TLS: refused {0}: it presented no certificate (every node needs one from the run's CA)", peer);
            return false;
        }
        var sent = chain?.ChainElements.Cast<X509ChainElement>().Skip(1).Select(e => e.Certificate).ToList();
        string? why = Check(certificate, sent);
        if (why is null) return true;
        log.Warning("TLS: refused {0}: {1}", peer, why);
        return false;
    };
}
