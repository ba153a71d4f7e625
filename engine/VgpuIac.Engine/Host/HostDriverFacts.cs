using System.Collections.Immutable;

namespace VgpuIac.Engine.Host;

/// <summary>Every sign of an installed NVIDIA host driver (vgpu-domain.md §2.5).</summary>
internal sealed record HostDriverFacts
{
    /// <summary><c>nvidia-smi --query-gpu=driver_version</c> (first GPU); null when nvidia-smi failed or is absent.</summary>
    public string? SmiVersion { get; init; }

    /// <summary>What nvidia-smi printed when it failed (e.g. "couldn't communicate with the NVIDIA driver").</summary>
    public string? SmiError { get; init; }

    /// <summary><c>/sys/module/nvidia/version</c>: the loaded module's version.</summary>
    public string? LoadedModuleVersion { get; init; }

    /// <summary>nvidia entries of <c>dkms status</c>.</summary>
    public ImmutableArray<DkmsModule> Dkms { get; init; } = [];

    /// <summary>VgpuIac's own record of the last install.</summary>
    public InstalledDriverMarker? Marker { get; init; }

    /// <summary><c>/usr/bin/nvidia-vgpu-mgr</c> exists (the vGPU host flavour).</summary>
    public bool HasVgpuManager { get; init; }

    public bool HasVgpuDaemon { get; init; }

    /// <summary><c>/usr/bin/nvidia-uninstall</c> exists (a .run install is present).</summary>
    public bool HasUninstaller { get; init; }

    /// <summary>
    /// The installed host driver version, whatever installed it: the loaded module, else nvidia-smi, else DKMS, else our marker
    /// (when the installer's files are still present). Null when no driver is installed, also when an uninstalled driver's
    /// module is still loaded (no installer files, no nvidia-smi, no DKMS module left).
    /// </summary>
    public string? InstalledVersion =>
        !HasUninstaller && !HasVgpuManager && SmiVersion is null && !Dkms.Any(d => d.Module == "nvidia" && d.IsInstalled)
            ? null // uninstalled, though its module may stay loaded until the next reboot
            : LoadedModuleVersion
        ?? SmiVersion
        ?? Dkms.FirstOrDefault(d => d.Module == "nvidia" && d.IsInstalled)?.Version
        ?? (HasUninstaller || HasVgpuManager ? Marker?.Version ?? Dkms.FirstOrDefault(d => d.Module == "nvidia")?.Version : null);

    /// <summary>Installed on disk but not loaded in the running kernel (typically until the reboot after an install).</summary>
    public bool InstalledButNotLoaded => InstalledVersion is not null && LoadedModuleVersion is null;
}
