using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// The key material a FastAPI-DLS instance needs, generated in-process so the node needs no openssl:
/// the web server certificate (self-signed, SAN = the DLS address) and the instance key pair that signs tokens.
/// </summary>
public sealed record DlsCertificates
{
    public required string CertificatePem { get; init; }

    public required string CertificateKeyPem { get; init; }

    public required string InstancePrivateKeyPem { get; init; }

    public required string InstancePublicKeyPem { get; init; }

    public static DlsCertificates Generate(string dlsUrl, TimeProvider time)
    {
        using var webKey = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dlsUrl}", webKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(dlsUrl, out var ip))
        {
            san.AddIpAddress(ip);
        }
        else
        {
            san.AddDnsName(dlsUrl);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = time.GetUtcNow();
        using var cert = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(10));

        using var instanceKey = RSA.Create(2048);
        return new DlsCertificates
        {
            CertificatePem = cert.ExportCertificatePem() + "\n",
            CertificateKeyPem = webKey.ExportPkcs8PrivateKeyPem() + "\n",
            InstancePrivateKeyPem = instanceKey.ExportPkcs8PrivateKeyPem() + "\n",
            InstancePublicKeyPem = instanceKey.ExportSubjectPublicKeyInfoPem() + "\n",
        };
    }

    /// <summary>SHA-256 of the certificate's DER bytes, lowercase hex; null when the PEM does not hold a certificate.</summary>
    public static string? Sha256OfPem(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return null;
        }

        try
        {
            using var cert = X509Certificate2.CreateFromPem(pem);
            return Convert.ToHexStringLower(SHA256.HashData(cert.RawData));
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>True when the certificate names <paramref name="dlsUrl"/> in its SAN.</summary>
    public static bool CoversAddress(string pem, string dlsUrl)
    {
        try
        {
            using var cert = X509Certificate2.CreateFromPem(pem);
            return cert.MatchesHostname(dlsUrl, allowWildcards: false, allowCommonName: false);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
