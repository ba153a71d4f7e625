using System.Security.Cryptography.X509Certificates;

namespace VgpuIac.Terraform.Hosting;

/// <summary>
/// AutoMTLS: Terraform's client certificate pinned by its bytes, and this run's self-signed server certificate; both null
/// when Terraform sent no client certificate (plaintext h2c) or in debug mode.
/// </summary>
public sealed class TransportCertificates : IDisposable
{
    private TransportCertificates(X509Certificate2? client, X509Certificate2? server)
    {
        Client = client;
        Server = server;
        Pinned = client is null ? null : new PinnedClientCertificate(client);
    }

    public X509Certificate2? Client { get; }

    public PinnedClientCertificate? Pinned { get; }

    public X509Certificate2? Server { get; }

    /// <summary>Parses <paramref name="clientCertificatePem"/> and makes the server certificate; none for null.</summary>
    public static TransportCertificates Create(string? clientCertificatePem)
    {
        if (clientCertificatePem is null)
        {
            return new TransportCertificates(null, null);
        }

        var client = X509Certificate2.CreateFromPem(clientCertificatePem);
        try
        {
            return new TransportCertificates(client, ServerCertificate.Create(TimeProvider.System));
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Server?.Dispose();
        Client?.Dispose();
    }
}
