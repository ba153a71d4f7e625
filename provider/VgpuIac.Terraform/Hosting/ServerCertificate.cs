using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// The per-run self-signed server certificate for AutoMTLS: ECDSA P-256, SAN DNS <c>localhost</c>
/// (Terraform connects with ServerName "localhost" and trusts exactly this certificate).
/// </summary>
public static class ServerCertificate
{
    public static X509Certificate2 Create(TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost, O=VgpuIac", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication"), new Oid("1.3.6.1.5.5.7.3.2", "Client Authentication")], critical: false));
        var now = time.GetUtcNow();
        return request.CreateSelfSigned(now.AddSeconds(-30), now.AddDays(7));
    }

    /// <summary>The DER bytes as base64 without padding (Go's RawStdEncoding), for handshake field 6.</summary>
    public static string ToHandshakeField(X509Certificate2 certificate) =>
        Convert.ToBase64String(certificate.RawData).TrimEnd('=');
}
