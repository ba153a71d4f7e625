using System.Globalization;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Licensing;

/// <summary>What the user asked for (known values only; planning handles unknowns before this is built).</summary>
internal sealed record DlsLicenseServerSpec
{
    public const string ContainerName = "fastapi-dls";
    /// <summary>The cert volume VgpuIac makes (mounted at the container's <c>/app/cert</c>).</summary>
    public const string DefaultCertDir = "/opt/fastapi-dls/cert";

    /// <summary>The path FastAPI-DLS reads its certificates from inside its container unless <c>CERT_PATH</c> says otherwise.</summary>
    public const string ContainerCertPath = "/app/cert";
    public const string DatabaseDir = "/opt/fastapi-dls/database";

    /// <summary>The PVE tag VgpuIac puts on the LXC it creates (its ownership mark).</summary>
    public const string OwnerTag = "vgpuiac";

    /// <summary>The Docker label VgpuIac puts on the container it runs (its ownership mark on a Docker host).</summary>
    public const string OwnerLabel = "vgpuiac.managed";

    /// <summary>FastAPI-DLS's default INSTANCE_REF: the service instance's CN in the 2.x chain.</summary>
    public const string InstanceRef = "10000000-0000-0000-0000-000000000001";

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

    public long? KeyGeneration { get; init; }

    /// <summary>
    /// The cert volume on the Docker host (inside the LXC, or on the Docker host itself): <see cref="DefaultCertDir"/>, or the
    /// folder a hand-made container mounts at its cert path (<see cref="DlsNodeState.CertSource"/>; see <see cref="At"/>).
    /// </summary>
    public string CertDir { get; init; } = DefaultCertDir;

    /// <summary>This spec with the cert volume the node's container really uses (a hand-made server's may be elsewhere).</summary>
    public DlsLicenseServerSpec At(DlsNodeState node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return node.CertSource is { } source && source != CertDir ? this with { CertDir = source } : this;
    }

    public bool IsLxc => Hosting == "lxc";

    /// <summary>The FastAPI-DLS major version the image runs (which configuration it reads).</summary>
    public int Major => DlsImage.Major(Image);

    /// <summary>The resource ID on <paramref name="nodeName"/>: <c>&lt;node&gt;/lxc/&lt;vmid&gt;</c> or <c>&lt;node&gt;/docker</c>.</summary>
    public string Id(string nodeName) => IsLxc ? $"{nodeName}/lxc/{(Vmid ?? 0).ToString(CultureInfo.InvariantCulture)}" : $"{nodeName}/docker";

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
        Image = v["image"].StringOrNull ?? DlsImage.Default,
        DlsUrl = v["dls_url"].StringOrNull ?? string.Empty,
        DlsPort = v["dls_port"].Int64OrNull ?? 443,
        LeaseExpireDays = v["lease_expire_days"].Int64OrNull ?? 90,
        LeaseRenewalPeriod = v["lease_renewal_period"].NumberOrNull ?? 0.15m,
        TimeZone = v["timezone"].StringOrNull ?? "UTC",
        KeyGeneration = v["key_generation"].Int64OrNull,
    };

    /// <summary>
    /// The container's environment, as the image's FastAPI-DLS version reads it. 2.x reads its signing chain from its cert
    /// directory (no variable names it); 1.x needs INSTANCE_KEY_RSA / INSTANCE_KEY_PUB.
    /// </summary>
    public IReadOnlyList<string> Environment =>
    [
        $"DLS_URL={DlsUrl}",
        $"DLS_PORT={DlsPort.ToString(CultureInfo.InvariantCulture)}",
        $"LEASE_EXPIRE_DAYS={LeaseExpireDays.ToString(CultureInfo.InvariantCulture)}",
        $"LEASE_RENEWAL_PERIOD={LeaseRenewalPeriod.ToString(CultureInfo.InvariantCulture)}",
        $"TZ={TimeZone}",
        "DATABASE=sqlite:////app/database/db.sqlite",
        .. Major == 1
            ? new[] { "INSTANCE_KEY_RSA=/app/cert/instance.private.pem", "INSTANCE_KEY_PUB=/app/cert/instance.public.pem" }
            : [],
    ];
}
