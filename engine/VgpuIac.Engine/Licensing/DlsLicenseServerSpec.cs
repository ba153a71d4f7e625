using System.Globalization;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Licensing;

/// <summary>What the user asked for (known values only; planning handles unknowns before this is built).</summary>
public sealed record DlsLicenseServerSpec
{
    public const string ContainerName = "fastapi-dls";
    public const string CertDir = "/opt/fastapi-dls/cert";
    public const string DatabaseDir = "/opt/fastapi-dls/database";

    public required string Hosting { get; init; }

    public long? Vmid { get; init; }

    public required string Template { get; init; }

    public required string Storage { get; init; }

    public required long DiskSizeGb { get; init; }

    public required string Hostname { get; init; }

    public required string Bridge { get; init; }

    public string? IpAddress { get; init; }

    public string? Gateway { get; init; }

    public required long MemoryMb { get; init; }

    public required string Image { get; init; }

    public required string DlsUrl { get; init; }

    public required long DlsPort { get; init; }

    public required long LeaseExpireDays { get; init; }

    public required decimal LeaseRenewalPeriod { get; init; }

    public required string TimeZone { get; init; }

    public long KeyGeneration { get; init; }

    public bool IsLxc => Hosting == "lxc";

    public string Url => $"https://{DlsUrl}:{DlsPort.ToString(CultureInfo.InvariantCulture)}";

    public string ClientTokenUrl => Url + "/-/client-token";

    /// <summary>Builds the spec from a planned or configured object whose defaults are filled in.</summary>
    public static DlsLicenseServerSpec From(Value v) => new()
    {
        Hosting = v["hosting"].StringOrNull ?? "lxc",
        Vmid = v["vmid"].Int64OrNull,
        Template = v["template"].StringOrNull ?? DlsLicenseServerDefinition.DefaultTemplate,
        Storage = v["storage"].StringOrNull ?? "local-lvm",
        DiskSizeGb = v["disk_size_gb"].Int64OrNull ?? 8,
        Hostname = v["hostname"].StringOrNull ?? "dls",
        Bridge = v["bridge"].StringOrNull ?? "vmbr0",
        IpAddress = v["ip_address"].StringOrNull,
        Gateway = v["gateway"].StringOrNull,
        MemoryMb = v["memory_mb"].Int64OrNull ?? 512,
        Image = v["image"].StringOrNull ?? DlsLicenseServerDefinition.DefaultImage,
        DlsUrl = v["dls_url"].StringOrNull ?? string.Empty,
        DlsPort = v["dls_port"].Int64OrNull ?? 443,
        LeaseExpireDays = v["lease_expire_days"].Int64OrNull ?? 90,
        LeaseRenewalPeriod = v["lease_renewal_period"].NumberOrNull ?? 0.15m,
        TimeZone = v["timezone"].StringOrNull ?? "UTC",
        KeyGeneration = v["key_generation"].Int64OrNull ?? 0,
    };

    /// <summary>The container's environment, as FastAPI-DLS reads it.</summary>
    public IReadOnlyList<string> Environment =>
    [
        $"DLS_URL={DlsUrl}",
        $"DLS_PORT={DlsPort.ToString(CultureInfo.InvariantCulture)}",
        $"LEASE_EXPIRE_DAYS={LeaseExpireDays.ToString(CultureInfo.InvariantCulture)}",
        $"LEASE_RENEWAL_PERIOD={LeaseRenewalPeriod.ToString(CultureInfo.InvariantCulture)}",
        $"TZ={TimeZone}",
        "DATABASE=sqlite:////app/database/db.sqlite",
        "INSTANCE_KEY_RSA=/app/cert/instance.private.pem",
        "INSTANCE_KEY_PUB=/app/cert/instance.public.pem",
    ];
}
