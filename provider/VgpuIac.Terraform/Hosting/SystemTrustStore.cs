using System.Runtime.InteropServices;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// Keeps the system root trust store out of the process. The provider trusts exactly one client certificate, pinned by its
/// DER bytes (<see cref="PinnedClientCertificate"/>), and makes no TLS connection of its own (nodes are reached over SSH;
/// downloads run on the node), yet .NET on Linux loads every system root (~60–70 ms) the first time anything builds an X.509
/// chain, and Kestrel and SslStream always build one (the server certificate's at start-up, the client's at the first
/// connection). Pointing OpenSSL's <c>SSL_CERT_FILE</c>/<c>SSL_CERT_DIR</c> at nothing before the first chain build makes
/// those builds find no roots at once; the pin, not a chain, decides who may call.
/// </summary>
public static partial class SystemTrustStore
{
    /// <summary>Call first thing in <c>Main</c>, before any thread builds a chain (the variables are read once, natively).</summary>
    public static void Detach()
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsFreeBSD())
        {
            return;
        }

        _ = SetEnvironmentVariable("SSL_CERT_FILE", "/dev/null", 1);
        _ = SetEnvironmentVariable("SSL_CERT_DIR", "/nonexistent/vgpuiac-no-roots", 1);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironmentVariable(string name, string value, int overwrite);
}
