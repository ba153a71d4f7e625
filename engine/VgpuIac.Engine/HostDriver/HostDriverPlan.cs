using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;

namespace VgpuIac.Engine.HostDriver;

/// <summary>What an apply of <c>vgpu_host_driver</c> has to do on a node, decided from the configuration and the node's facts.</summary>
internal sealed record HostDriverPlan
{
    public string? Version { get; init; }

    /// <summary>File name of the installer on the node (safe characters only).</summary>
    public string? RemoteFileName { get; init; }

    public DriverFlavour Flavour { get; init; }

    public ImmutableArray<string> MissingPackages { get; init; } = [];

    /// <summary>Add <see cref="IommuArguments"/> to the boot loader's kernel command line.</summary>
    public bool EnableIommu { get; init; }

    public string IommuArguments { get; init; } = "intel_iommu=on iommu=pt";

    public bool BlacklistNouveau { get; init; }

    /// <summary>Reasons to reboot before the installer can run (nouveau loaded, IOMMU just enabled).</summary>
    public ImmutableArray<string> RebootBeforeInstall { get; init; } = [];

    /// <summary>The version to uninstall first (another version, or the same version from a different file).</summary>
    public string? UninstallVersion { get; init; }

    public bool Install { get; init; }

    /// <summary>The driver is installed but nvidia-vgpu-mgr is not running.</summary>
    public bool StartServices { get; init; }

    /// <summary>A reboot is pending on the node already (and the policy allows rebooting).</summary>
    public bool FinishPendingReboot { get; init; }

    public bool RebootAllowed { get; init; }

    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = [];

    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>True when the apply will change the node.</summary>
    public bool ChangesNode => !MissingPackages.IsEmpty || EnableIommu || BlacklistNouveau || Install || StartServices || FinishPendingReboot;

    /// <summary>True when the apply may reboot the node.</summary>
    public bool RebootPlanned => RebootAllowed && (!RebootBeforeInstall.IsEmpty || Install || FinishPendingReboot);

    /// <summary>Why the node may be rebooted, for the plan's warning.</summary>
    public ImmutableArray<string> RebootReasons(NodeFacts facts)
    {
        var reasons = ImmutableArray.CreateBuilder<string>();
        reasons.AddRange(RebootBeforeInstall);
        if (Install)
        {
            reasons.Add($"to load host driver {Version} if it cannot be loaded in the running kernel");
        }

        if (FinishPendingReboot)
        {
            reasons.Add(facts.RebootReasons.IsEmpty
                ? $"to load host driver {facts.Driver.InstalledVersion} (installed, not loaded yet)"
                : "to finish what waits for a reboot: " + string.Join("; ", facts.RebootReasons));
        }

        return reasons.ToImmutable();
    }
}
