using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace VgpuIac.DlsStandIn;

/// <summary>
/// FastAPI-DLS 2.x's signing chain in its cert directory: root, intermediate CA and service instance (si), each a key and a
/// certificate. Like the real server, a missing file makes it create the whole chain on start, with the modes Python's
/// <c>open(..., 'wb')</c> gives under the default umask (0644, private keys included), so a test sees when a deployment
/// left this to the server.
/// </summary>
public sealed class CaChain : IDisposable
{
    public static readonly string[] FileNames =
    [
        "root_private_key.pem", "root_certificate.pem", "ca_private_key.pem", "ca_certificate.pem", "si_private_key.pem", "si_certificate.pem",
    ];

    private CaChain(RSA siKey, string rootCertificatePem, string siCertificatePem)
    {
        SiKey = siKey;
        RootCertificatePem = rootCertificatePem;
        SiCertificatePem = siCertificatePem;
    }

    /// <summary>The key that signs client tokens and leases.</summary>
    public RSA SiKey { get; }

    /// <summary>What <c>/-/config/root-certificate</c> serves.</summary>
    public string RootCertificatePem { get; }

    public string SiCertificatePem { get; }

    /// <summary>True when the last <see cref="LoadOrCreate"/> had to create the chain.</summary>
    public bool Created { get; private init; }

    public static CaChain LoadOrCreate(string certPath, string instanceRef)
    {
        var created = false;
        if (!FileNames.All(f => File.Exists(Path.Combine(certPath, f))))
        {
            Create(certPath, instanceRef);
            created = true;
        }

        var si = RSA.Create();
        si.ImportFromPem(File.ReadAllText(Path.Combine(certPath, "si_private_key.pem")));
        return new CaChain(si, File.ReadAllText(Path.Combine(certPath, "root_certificate.pem")), File.ReadAllText(Path.Combine(certPath, "si_certificate.pem")))
        {
            Created = created,
        };
    }

    private static void Create(string certPath, string instanceRef)
    {
        // 2048-bit everywhere: this is a test double; the real server makes a 4096-bit root and CA.
        using var rootKey = RSA.Create(2048);
        var rootName = new X500DistinguishedName("C=US, S=California, O=Nvidia, OU=Nvidia Licensing Service (NLS), CN=NLS Root CA");
        var rootRequest = new CertificateRequest(rootName, rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        using var root = rootRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(10));

        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("C=US, S=California, O=Nvidia, OU=Nvidia Licensing Service (NLS), CN=NLS Intermediate CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var caPublic = caRequest.Create(root, now.AddDays(-1), now.AddYears(10), RandomNumberGenerator.GetBytes(16));
        using var ca = caPublic.CopyWithPrivateKey(caKey);

        using var siKey = RSA.Create(2048);
        var siRequest = new CertificateRequest($"CN={instanceRef}", siKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var si = siRequest.Create(ca, now.AddDays(-1), now.AddYears(10), RandomNumberGenerator.GetBytes(16));

        Directory.CreateDirectory(certPath);
        Write(certPath, "root_private_key.pem", rootKey.ExportRSAPrivateKeyPem());
        Write(certPath, "root_certificate.pem", root.ExportCertificatePem());
        Write(certPath, "ca_private_key.pem", caKey.ExportRSAPrivateKeyPem());
        Write(certPath, "ca_certificate.pem", ca.ExportCertificatePem());
        Write(certPath, "si_private_key.pem", siKey.ExportRSAPrivateKeyPem());
        Write(certPath, "si_certificate.pem", si.ExportCertificatePem());
    }

    private static void Write(string dir, string name, string pem)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, pem + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }
    }

    public void Dispose() => SiKey.Dispose();
}
