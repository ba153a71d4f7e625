using System.Collections.Immutable;
using System.Text.RegularExpressions;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.HostDriver;

/// <summary>
/// Pure decisions for <c>vgpu_host_driver</c>: from the configuration and <see cref="NodeFacts"/> to a <see cref="HostDriverPlan"/>.
/// Plan and apply use the same function (apply re-runs it on fresh facts after every reboot), so every step is done only
/// when the node shows it is not done yet.
/// </summary>
internal static partial class HostDriverPlanner
{
    public const string InstallerDirectory = "/var/lib/vgpu-iac/installers";

    /// <summary>The driver version: explicit, else from the installer file name; null when neither says.</summary>
    public static string? ResolveVersion(HostDriverConfig config) =>
        config.Version ?? DriverVersion.FromInstallerFileName(config.GivenFileName)?.Text;

    /// <summary>The installer's file name on the node: the given name when it is plain, else a canonical one.</summary>
    public static string RemoteFileName(HostDriverConfig config, string version)
    {
        var given = config.GivenFileName;
        return given is not null && SafeFileName().IsMatch(given) ? given : $"NVIDIA-Linux-x86_64-{version}-vgpu-kvm.run";
    }

    public static DriverFlavour FlavourOf(string? fileName, NodeFacts facts)
    {
        if (fileName is not null && PatchedName().IsMatch(fileName))
        {
            return DriverFlavour.Unlock;
        }

        var gpus = facts.Gpus.Where(g => !g.IsVirtualFunction && g.VgpuPath != VgpuPath.Unsupported).ToList();
        return gpus.Count > 0 && gpus.All(g => g.VgpuPath == VgpuPath.Unlockable) ? DriverFlavour.Unlock : DriverFlavour.Stock;
    }

    /// <summary>The packages the installer needs that the node lacks (headers for the running kernel).</summary>
    public static ImmutableArray<string> MissingPackages(NodeFacts facts, bool dkms)
    {
        var missing = ImmutableArray.CreateBuilder<string>();
        foreach (var p in dkms ? new[] { "build-essential", "dkms", "mdevctl" } : ["build-essential", "mdevctl"])
        {
            if (!facts.HasPackage(p))
            {
                missing.Add(p);
            }
        }

        if (facts.RunningKernel.Length > 0)
        {
            var proxmox = $"proxmox-headers-{facts.RunningKernel}";
            var legacy = $"pve-headers-{facts.RunningKernel}";
            if (!facts.HasPackage(proxmox) && !facts.HasPackage(legacy))
            {
                missing.Add(facts.PveMajor is 7 ? legacy : proxmox);
            }
        }

        return missing.ToImmutable();
    }

    /// <summary>
    /// The files of ours the node has (<see cref="NodeFacts.HostDriverFileModes"/>), each with the mode it gets (root:root):
    /// installers 0755, the marker and the nouveau blacklist 0644.
    /// </summary>
    public static ImmutableArray<(string Path, int Mode)> OwnFiles(NodeFacts facts) =>
        [.. facts.HostDriverFileModes.Keys.Select(p => (p, p.StartsWith(InstallerDirectory + "/", StringComparison.Ordinal) ? RemoteFile.ExecutableMode : RemoteFile.ConfigMode))];

    /// <summary>Files of ours with another owner or mode than ours.</summary>
    public static ImmutableArray<(string Path, NodeFileMode Found, int Mode)> DriftedModes(NodeFacts facts) =>
        NodeFileMode.Drifted(facts.HostDriverFileModes, OwnFiles(facts));

    public static HostDriverPlan Plan(HostDriverConfig config, NodeFacts facts)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(facts);
        var d = ImmutableArray.CreateBuilder<Diagnostic>();
        var node = facts.NodeName;
        var version = ResolveVersion(config);
        if (version is null)
        {
            d.Add(Diagnostic.Error("Unable to determine host driver version",
                $"The installer file name \"{config.GivenFileName}\" does not contain a version (NVIDIA-Linux-x86_64-<version>-vgpu-kvm.run). Set `version`, e.g. \"535.129.03\".",
                Path("version")));
            return new HostDriverPlan { Diagnostics = d.ToImmutable(), RebootAllowed = config.RebootIfNeeded };
        }

        var fileName = RemoteFileName(config, version);
        var flavour = FlavourOf(config.GivenFileName, facts);

        // What is installed, and is it ours (same file)?
        var installed = facts.Driver.InstalledVersion;
        var markerSha = facts.Driver.Marker is { } m && m.Version == installed ? m.Sha256 : null;
        var sameFile = markerSha is null || config.InstallerSha256 is null || string.Equals(markerSha, config.InstallerSha256, StringComparison.OrdinalIgnoreCase);
        var install = installed != version || !sameFile;
        var uninstall = install && installed is not null ? installed : null;

        // Pre-flight: GPUs.
        var gpus = facts.Gpus.Where(g => !g.IsVirtualFunction).ToList();
        if (gpus.Count == 0)
        {
            d.Add(Diagnostic.Warning("No NVIDIA GPU found",
                $"Node \"{node}\": lspci shows no NVIDIA display controller. The driver will install, but there is nothing to create vGPUs on. Check that the card is seated and not hidden by the firmware.",
                Path("node")));
        }
        else if (gpus.All(g => g.VgpuPath == VgpuPath.Unsupported))
        {
            d.Add(Diagnostic.Error("Unable to install host driver: no vGPU-capable GPU",
                $"Node \"{node}\": {string.Join(", ", gpus.Select(g => $"{g.Name} ({g.PciAddress}, {g.Architecture})"))} cannot do vGPU (Ampere and newer GeForce cards, the GTX 970 and Maxwell 1 are not supported by vGPU or vgpu_unlock). Use a vGPU-capable card.",
                Path("node")));
        }

        foreach (var g in gpus.Where(g => g.DriverInUse == "vfio-pci"))
        {
            d.Add(Diagnostic.Warning("GPU is bound to vfio-pci",
                $"Node \"{node}\": {g.Name} ({g.PciAddress}) is bound to vfio-pci (left over from PCI passthrough), so the NVIDIA host driver cannot bind it. Remove the vfio-pci `ids=` options and driver_override rules for it.",
                Path("node")));
        }

        if (facts.SecureBoot == true)
        {
            d.Add(Diagnostic.Warning("Secure Boot is on",
                $"Node \"{node}\": UEFI Secure Boot is enabled, so unsigned DKMS modules will not load (\"module verification failed\"). Enroll a MOK key and sign the modules, or turn Secure Boot off in the firmware.",
                Path("node")));
        }

        // IOMMU (PVE refuses to prepare any PCI device, mdev included, without one).
        var enableIommu = false;
        var rebootBefore = ImmutableArray.CreateBuilder<string>();
        if (!facts.Iommu.Enabled)
        {
            var args = facts.Iommu.RequiredKernelArguments;
            var nextBoot = facts.Boot.NextBootCmdline ?? string.Empty;
            var alreadyConfigured = args.Split(' ')[0] is { } first && nextBoot.Split(' ').Contains(first, StringComparer.Ordinal);
            if (alreadyConfigured)
            {
                rebootBefore.Add("the IOMMU is on the kernel command line of the next boot but not active yet");
            }
            else if (config.EnableIommu)
            {
                enableIommu = true;
                rebootBefore.Add($"to activate the IOMMU ({args})");
            }
            else
            {
                var where = facts.Boot.Loader == BootLoader.SystemdBoot
                    ? $"append `{args}` to /etc/kernel/cmdline, run `proxmox-boot-tool refresh`"
                    : $"add `{args}` to GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub, run `update-grub`";
                d.Add(Diagnostic.Error("Unable to install host driver: IOMMU is off",
                    $"Node \"{node}\": /sys/class/iommu is empty, and Proxmox VE refuses to start a VM with a vGPU without an IOMMU. Turn on VT-d / AMD-Vi in the firmware, then {where} and reboot. Or set `enable_iommu = true` to let this resource edit the kernel command line (it reboots the node when `reboot = \"if_needed\"`).",
                    Path("enable_iommu")));
            }
        }

        // nouveau: blacklisted, and unloaded before the installer runs.
        var blacklist = !facts.NouveauBlacklisted && (install || facts.NouveauLoaded);
        if (facts.NouveauLoaded && install)
        {
            rebootBefore.Add("to unload nouveau (blacklisted)");
        }

        // Kernel compatibility, only when the installer will run.
        if (install && DriverVersion.TryParse(version) is { } driverVersion && config.KernelCompatibility != "off")
        {
            var check = KernelCompatibility.Check(driverVersion, flavour, facts);
            if (check.IsKnown && !check.IsCompatible)
            {
                var summary = $"Unable to install host driver {version}: kernel {string.Join(", ", check.IncompatibleKernels)} is not supported";
                var detail = $"Node \"{node}\": {check.Remedy()}";
                d.Add(config.KernelCompatibility == "enforce"
                    ? Diagnostic.Error(summary, detail, Path("version"))
                    : Diagnostic.Warning(summary.Replace("Unable to install", "Installing", StringComparison.Ordinal), detail, Path("version")));
            }
        }

        // Replacing a driver under running vGPU VMs takes their GPU away.
        if (uninstall is not null)
        {
            AddRunningVmGuard(d, facts, config.ForceDestroy, $"replace host driver {uninstall} with {version}");
        }

        // dkms = true over a driver that is not registered with DKMS: the setting takes effect at the next installation; say
        // so, and why the driver is not registered, instead of recording it silently.
        if (!install && installed is not null && config.Dkms && !RegisteredWithDkms(facts))
        {
            var why = facts.HasPackage("dkms")
                ? "it was installed without `--dkms`"
                : "the `dkms` package is not installed (the installer's `--dkms` needs it; without it the modules are not registered)";
            d.Add(Diagnostic.Warning($"Host driver {installed} on node \"{node}\" is not registered with DKMS",
                $"Node \"{node}\": {why}, so a kernel upgrade leaves the node without the nvidia module until the driver is installed again. " +
                "`dkms = true` takes effect at the next installation of the driver (the `dkms` package is installed first); this apply does not reinstall it. " +
                "To register it now, replace this resource (the driver is reinstalled with `--dkms`: VMs with a vGPU must be stopped, the node may reboot), or set `dkms = false` to match the node.",
                Path("dkms")));
        }

        var missing = install ? MissingPackages(facts, config.Dkms) : (facts.HasPackage("mdevctl") ? [] : ["mdevctl"]);
        // Installed but not loaded (an install whose reboot did not happen or did not come back): a reboot loads it.
        var startServices = !install && facts.VgpuManager.Exists && !facts.VgpuManager.IsActive && !facts.RebootRequired && !facts.Driver.InstalledButNotLoaded;
        var finishReboot = config.RebootIfNeeded && (facts.RebootRequired || facts.Driver.InstalledButNotLoaded) && !install;
        return new HostDriverPlan
        {
            Version = version,
            RemoteFileName = fileName,
            Flavour = flavour,
            MissingPackages = missing,
            EnableIommu = enableIommu,
            IommuArguments = facts.Iommu.RequiredKernelArguments,
            BlacklistNouveau = blacklist,
            RebootBeforeInstall = rebootBefore.ToImmutable(),
            UninstallVersion = uninstall,
            Install = install,
            StartServices = startServices,
            FinishPendingReboot = finishReboot,
            RebootAllowed = config.RebootIfNeeded,
            Diagnostics = d.ToImmutable(),
        };
    }

    /// <summary>
    /// True when <c>dkms status</c> lists the installed driver's nvidia module: it is rebuilt for a new kernel. False when it
    /// does not, or when there is no <c>dkms</c> to ask (the package is missing).
    /// </summary>
    public static bool RegisteredWithDkms(NodeFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return facts.Driver.InstalledVersion is { } installed && facts.Driver.Dkms.Any(m => m.Module == "nvidia" && m.Version == installed);
    }

    /// <summary>Adds an error when VMs with a vGPU are running and <paramref name="force"/> is false.</summary>
    public static void AddRunningVmGuard(ImmutableArray<Diagnostic>.Builder diagnostics, NodeFacts facts, bool force, string verbAndThing)
    {
        var running = facts.RunningVgpuVms.ToList();
        if (running.Count == 0 || force)
        {
            return;
        }

        diagnostics.Add(Diagnostic.Error($"Unable to {verbAndThing}: VMs with a vGPU are running",
            $"Node \"{facts.NodeName}\": {string.Join(", ", running.Select(v => $"VM {v.VmId}{(v.Name is null ? string.Empty : $" ({v.Name})")}"))} use a vGPU and would lose it. Stop them first (`qm shutdown <vmid>`), or set `force_destroy = true`.",
            Path("force_destroy")));
    }

    private static AttributePath Path(string name) => AttributePath.Of(name);

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}\.run$")]
    private static partial Regex SafeFileName();

    [GeneratedRegex(@"-(patched|custom|merged)", RegexOptions.IgnoreCase)]
    private static partial Regex PatchedName();
}
