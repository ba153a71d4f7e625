using System.Collections.Immutable;

namespace VgpuIac.Engine.Host;

/// <summary>
/// Everything a refresh needs to know about one PVE node, gathered by <see cref="NodeFactsProbe"/> in one SSH round trip
/// (read-only). Immutable; get it through <see cref="NodeFactsCache"/> so one operation probes once, and invalidate the
/// cache after changing the node.
/// </summary>
internal sealed record NodeFacts
{
    /// <summary>The node's name in the provider configuration.</summary>
    public required string NodeName { get; init; }

    public string? Hostname { get; init; }

    /// <summary>PVE version, e.g. <c>8.2.4</c>; null when pveversion is absent.</summary>
    public string? PveVersion { get; init; }

    /// <summary>PVE major version (7, 8, 9); null when unknown.</summary>
    public int? PveMajor => PveVersion is { } v && int.TryParse(v.Split('.')[0], System.Globalization.CultureInfo.InvariantCulture, out var m) ? m : null;

    /// <summary><c>uname -r</c>.</summary>
    public required string RunningKernel { get; init; }

    /// <summary>The kernel the next boot uses: the pinned one, else the newest installed kernel; null when unknown.</summary>
    public string? DefaultKernel { get; init; }

    /// <summary>The kernel pinned with <c>proxmox-boot-tool kernel pin</c>; null when none.</summary>
    public string? PinnedKernel { get; init; }

    /// <summary>Installed kernel releases (e.g. <c>6.8.12-4-pve</c>), oldest first.</summary>
    public ImmutableArray<string> InstalledKernels { get; init; } = [];

    /// <summary>Names of relevant installed packages (kernels, headers, build-essential, dkms, mdevctl, pve-nvidia-vgpu-helper).</summary>
    public ImmutableSortedSet<string> InstalledPackages { get; init; } = ImmutableSortedSet<string>.Empty;

    public BootFacts Boot { get; init; } = new();

    public IommuFacts Iommu { get; init; } = new();

    /// <summary>From <c>mokutil --sb-state</c>; null when unknown (no mokutil, legacy BIOS).</summary>
    public bool? SecureBoot { get; init; }

    /// <summary>NVIDIA GPUs (physical functions first, then virtual functions).</summary>
    public ImmutableArray<GpuFacts> Gpus { get; init; } = [];

    /// <summary>Names of loaded kernel modules (<c>lsmod</c>).</summary>
    public ImmutableSortedSet<string> LoadedModules { get; init; } = ImmutableSortedSet<string>.Empty;

    /// <summary>modprobe.d files that blacklist nouveau.</summary>
    public ImmutableArray<string> NouveauBlacklistFiles { get; init; } = [];

    public HostDriverFacts Driver { get; init; } = new();

    /// <summary><c>nvidia-vgpud.service</c> (optional; absent on newer drivers).</summary>
    public ServiceFacts VgpuDaemon { get; init; } = new() { Unit = "nvidia-vgpud.service" };

    /// <summary><c>nvidia-vgpu-mgr.service</c> (required for vGPU).</summary>
    public ServiceFacts VgpuManager { get; init; } = new() { Unit = "nvidia-vgpu-mgr.service" };

    /// <summary>Live mediated devices.</summary>
    public ImmutableArray<LiveMdev> LiveMdevs { get; init; } = [];

    public ImmutableArray<VmFacts> Vms { get; init; } = [];

    /// <summary>Why a reboot is pending (markers and derived facts); empty when none.</summary>
    public ImmutableArray<string> RebootReasons { get; init; } = [];

    internal UnlockFacts Unlock { get; init; } = new();

    /// <summary>Probe sections that were missing or unreadable (the probe was cut short, a tool misbehaved).</summary>
    public ImmutableArray<string> ProbeWarnings { get; init; } = [];

    /// <summary>What <c>mdevctl types --dumpjson</c> printed when it failed (exit code not 0; stderr and stdout); null when it ran.</summary>
    public string? MdevTypesError { get; init; }

    /// <summary>
    /// Owner and mode of the files vgpu_host_driver leaves on the node, by path: its marker, the installers it staged, and
    /// the nouveau blacklist when it carries the header VgpuIac writes (a hand-written one is the user's).
    /// </summary>
    public ImmutableSortedDictionary<string, Remote.NodeFileMode> HostDriverFileModes { get; init; } = ImmutableSortedDictionary<string, Remote.NodeFileMode>.Empty;

    public bool NouveauBlacklisted => !NouveauBlacklistFiles.IsEmpty;

    public bool NouveauLoaded => LoadedModules.Contains("nouveau");

    public bool RebootRequired => !RebootReasons.IsEmpty;

    /// <summary>All vGPU types offered by any GPU.</summary>
    public IEnumerable<VgpuType> AllVgpuTypes => Gpus.SelectMany(g => g.VgpuTypes);

    /// <summary>Running VMs that use a vGPU (hostpci with mdev=).</summary>
    public IEnumerable<VmFacts> RunningVgpuVms => Vms.Where(v => v.IsRunning && v.UsesVgpu);

    public bool HasPackage(string name) => InstalledPackages.Contains(name);

    public GpuFacts? FindGpu(string pciAddress) =>
        Gpus.FirstOrDefault(g => string.Equals(g.PciAddress, pciAddress, StringComparison.OrdinalIgnoreCase)
            || g.PciAddress.EndsWith(":" + pciAddress, StringComparison.OrdinalIgnoreCase));
}
