using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.HostDriver;

/// <summary>The typed view of a <c>vgpu_host_driver</c> configuration or state (unknown values read as null).</summary>
internal sealed record HostDriverConfig
{
    public string? Node { get; init; }

    public string? InstallerUrl { get; init; }

    public string? InstallerSource { get; init; }

    public string? InstallerSha256 { get; init; }

    public string? Version { get; init; }

    public bool Dkms { get; init; } = true;

    public string KernelCompatibility { get; init; } = "enforce";

    public bool EnableIommu { get; init; }

    public bool RebootIfNeeded { get; init; } = true;

    public TimeSpan RebootTimeout { get; init; } = TimeSpan.FromMinutes(10);

    public bool ForceDestroy { get; init; }

    public static HostDriverConfig From(Value v) => new()
    {
        Node = v["node"].StringOrNull,
        InstallerUrl = v["installer_url"].StringOrNull,
        InstallerSource = v["installer_source"].StringOrNull,
        InstallerSha256 = v["installer_sha256"].StringOrNull,
        Version = v["version"].StringOrNull,
        Dkms = v["dkms"].BoolOrNull ?? true,
        KernelCompatibility = v["kernel_compatibility"].StringOrNull ?? "enforce",
        EnableIommu = v["enable_iommu"].BoolOrNull ?? false,
        RebootIfNeeded = (v["reboot"].StringOrNull ?? "if_needed") != "never",
        RebootTimeout = DurationText.Parse(v["reboot_timeout"].StringOrNull ?? "10m", TimeSpan.FromMinutes(10)),
        ForceDestroy = v["force_destroy"].BoolOrNull ?? false,
    };

    /// <summary>The installer's file name as the user named it (last URL path segment or local file name).</summary>
    public string? GivenFileName
    {
        get
        {
            if (InstallerSource is { Length: > 0 } s)
            {
                return Path.GetFileName(s);
            }

            if (InstallerUrl is { Length: > 0 } u && Uri.TryCreate(u, UriKind.Absolute, out var uri))
            {
                var segment = uri.Segments.LastOrDefault() ?? string.Empty;
                return Uri.UnescapeDataString(segment.TrimEnd('/'));
            }

            return null;
        }
    }
}
