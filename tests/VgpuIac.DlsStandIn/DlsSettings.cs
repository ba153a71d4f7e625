using System.Globalization;

namespace VgpuIac.DlsStandIn;

/// <summary>The environment FastAPI-DLS reads (subset), as the container receives it from `docker run -e`.</summary>
public sealed record DlsSettings
{
    public required string DlsUrl { get; init; }

    public required int DlsPort { get; init; }

    /// <summary>The port we listen on (the published host port; defaults to DLS_PORT).</summary>
    public required int ListenPort { get; init; }

    public required string CertPath { get; init; }

    public int LeaseExpireDays { get; init; } = 90;

    public string LeaseRenewalPeriod { get; init; } = "0.15";

    public string TimeZone { get; init; } = "UTC";

    public string SiteKeyXid { get; init; } = "00000000-0000-0000-0000-000000000000";

    public string InstanceRef { get; init; } = "10000000-0000-0000-0000-000000000001";

    public string AllotmentRef { get; init; } = "20000000-0000-0000-0000-000000000001";

    /// <summary>Which FastAPI-DLS this behaves like: 2 (the CA chain in CERT_PATH signs tokens) or 1 (INSTANCE_KEY_RSA signs them).</summary>
    public int Major { get; init; } = 2;

    /// <summary>1.x only: the token signing key (INSTANCE_KEY_RSA, default &lt;cert&gt;/instance.private.pem).</summary>
    public string? InstanceKeyRsa { get; init; }

    public static DlsSettings FromEnvironment(Func<string, string?> env)
    {
        var port = int.Parse(env("DLS_PORT") ?? "443", CultureInfo.InvariantCulture);
        return new DlsSettings
        {
            DlsUrl = env("DLS_URL") ?? "localhost",
            DlsPort = port,
            ListenPort = int.Parse(env("LISTEN_PORT") ?? port.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
            CertPath = env("CERT_PATH") ?? "/app/cert",
            LeaseExpireDays = int.Parse(env("LEASE_EXPIRE_DAYS") ?? "90", CultureInfo.InvariantCulture),
            LeaseRenewalPeriod = env("LEASE_RENEWAL_PERIOD") ?? "0.15",
            TimeZone = env("TZ") ?? "UTC",
            SiteKeyXid = env("SITE_KEY_XID") ?? "00000000-0000-0000-0000-000000000000",
            InstanceRef = env("INSTANCE_REF") ?? "10000000-0000-0000-0000-000000000001",
            AllotmentRef = env("ALLOTMENT_REF") ?? "20000000-0000-0000-0000-000000000001",
            Major = env("DLS_STANDIN_MAJOR") == "1" ? 1 : 2,
            InstanceKeyRsa = env("INSTANCE_KEY_RSA"),
        };
    }
}
