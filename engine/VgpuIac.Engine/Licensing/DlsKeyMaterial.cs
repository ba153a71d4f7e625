using System.Collections.Immutable;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// The key material a FastAPI-DLS instance needs, generated in-process so the node needs no openssl:
/// the web server certificate (self-signed, SAN = the DLS address) and the token signing keys, which depend on the
/// version: 2.x signs with the service-instance key of a root → intermediate CA → service instance chain it reads from
/// its cert directory; 1.x signs with the instance key pair named by INSTANCE_KEY_RSA / INSTANCE_KEY_PUB.
/// </summary>
internal static class DlsKeyMaterial
{
    public const string WebCertificateFile = "webserver.crt";
    public const string WebKeyFile = "webserver.key";
    public const string RootCertificateFile = "root_certificate.pem";
    public const string SiCertificateFile = "si_certificate.pem";
    public const string InstancePublicKeyFile = "instance.public.pem";

    /// <summary>The 2.x chain's files, as FastAPI-DLS 2.x names them in its cert directory.</summary>
    public static readonly ImmutableArray<string> ChainFiles =
        ["root_private_key.pem", RootCertificateFile, "ca_private_key.pem", "ca_certificate.pem", "si_private_key.pem", SiCertificateFile];

    /// <summary>The 1.x instance key pair.</summary>
    public static readonly ImmutableArray<string> InstanceKeyFiles = ["instance.private.pem", InstancePublicKeyFile];

    /// <summary>The files of the signing material of <paramref name="major"/> (the web server pair excluded).</summary>
    public static ImmutableArray<string> SigningFiles(int major) => major == 1 ? InstanceKeyFiles : ChainFiles;

    /// <summary>The web server certificate and its key; the SAN is <paramref name="dlsUrl"/>.</summary>
    public static ImmutableArray<DlsKeyFile> WebServer(string dlsUrl, TimeProvider time)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dlsUrl}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
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
        return
        [
            new DlsKeyFile(WebCertificateFile, cert.ExportCertificatePem() + "\n", Secret: false),
            new DlsKeyFile(WebKeyFile, key.ExportPkcs8PrivateKeyPem() + "\n", Secret: true),
        ];
    }

    /// <summary>The signing material <paramref name="major"/> reads: the 2.x chain, or the 1.x instance key pair.</summary>
    public static ImmutableArray<DlsKeyFile> Signing(int major, string instanceRef, TimeProvider time) =>
        major == 1 ? InstanceKey() : Chain(instanceRef, time);

    private static ImmutableArray<DlsKeyFile> InstanceKey()
    {
        using var key = RSA.Create(2048);
        return
        [
            new DlsKeyFile("instance.private.pem", key.ExportPkcs8PrivateKeyPem() + "\n", Secret: true),
            new DlsKeyFile(InstancePublicKeyFile, key.ExportSubjectPublicKeyInfoPem() + "\n", Secret: false),
        ];
    }

    /// <summary>
    /// Root (4096-bit, self-signed CA) → intermediate CA (4096-bit) → service instance (2048-bit, CN and SAN = the instance
    /// reference), with the subjects and extensions FastAPI-DLS 2.x gives its own chain; valid ten years.
    /// </summary>
    private static ImmutableArray<DlsKeyFile> Chain(string instanceRef, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var notBefore = now.AddDays(-1);
        var notAfter = now.AddYears(10);
        const string Org = "C=US, S=California, O=Nvidia, OU=Nvidia Licensing Service (NLS)";

        using var rootKey = RSA.Create(4096);
        var rootRequest = new CertificateRequest($"{Org}, CN=NLS Root CA", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(rootRequest.PublicKey, false));
        using var root = rootRequest.CreateSelfSigned(notBefore, notAfter);

        using var caKey = RSA.Create(4096);
        var caRequest = new CertificateRequest($"{Org}, CN=NLS Intermediate CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        caRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        using var caPublic = caRequest.Create(root, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
        using var ca = caPublic.CopyWithPrivateKey(caKey);

        using var siKey = RSA.Create(2048);
        var siRequest = new CertificateRequest($"CN={instanceRef}", siKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        siRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyAgreement, true));
        siRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        siRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(siRequest.PublicKey, false));
        siRequest.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var siSan = new SubjectAlternativeNameBuilder();
        siSan.AddDnsName(instanceRef);
        siRequest.CertificateExtensions.Add(siSan.Build());
        using var si = siRequest.Create(ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));

        return
        [
            new DlsKeyFile("root_private_key.pem", rootKey.ExportRSAPrivateKeyPem() + "\n", Secret: true),
            new DlsKeyFile(RootCertificateFile, root.ExportCertificatePem() + "\n", Secret: false),
            new DlsKeyFile("ca_private_key.pem", caKey.ExportRSAPrivateKeyPem() + "\n", Secret: true),
            new DlsKeyFile("ca_certificate.pem", ca.ExportCertificatePem() + "\n", Secret: false),
            new DlsKeyFile("si_private_key.pem", siKey.ExportRSAPrivateKeyPem() + "\n", Secret: true),
            new DlsKeyFile(SiCertificateFile, si.ExportCertificatePem() + "\n", Secret: false),
        ];
    }

    /// <summary>SHA-256 of the certificate's DER bytes, lowercase hex; null when the PEM does not hold a certificate.</summary>
    public static string? CertificateSha256(string? pem)
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

    /// <summary>
    /// SHA-256 of the token signing key's SubjectPublicKeyInfo (DER), lowercase hex, from a certificate PEM (2.x: the si
    /// certificate) or a public key PEM (1.x); null when the PEM holds neither.
    /// </summary>
    public static string? SigningKeySha256(string? pem)
    {
        if (string.IsNullOrWhiteSpace(pem))
        {
            return null;
        }

        try
        {
            if (pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal))
            {
                using var cert = X509Certificate2.CreateFromPem(pem);
                return Convert.ToHexStringLower(SHA256.HashData(cert.PublicKey.ExportSubjectPublicKeyInfo()));
            }

            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()));
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
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
