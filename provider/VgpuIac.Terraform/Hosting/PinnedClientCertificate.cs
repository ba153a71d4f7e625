using System.Security.Cryptography.X509Certificates;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// go-plugin's AutoMTLS client certificate (<c>PLUGIN_CLIENT_CERT</c>): a caller is accepted when it presents exactly these DER
/// bytes. No chain is consulted and no root is trusted; the TLS handshake itself proves the caller holds the matching key.
/// </summary>
public sealed class PinnedClientCertificate(X509Certificate2 certificate)
{
    private readonly byte[] _der = certificate.RawData;

    public bool Accepts(X509Certificate? presented) =>
        presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(_der);
}
