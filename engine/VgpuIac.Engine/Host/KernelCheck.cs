using System.Collections.Immutable;

namespace VgpuIac.Engine.Host;

/// <summary>The outcome of <see cref="KernelCompatibility.Check"/>.</summary>
/// <param name="Driver">The driver version checked.</param>
/// <param name="Flavour">The driver flavour checked.</param>
/// <param name="Window">The deciding table row; null when the driver branch is not in the table.</param>
/// <param name="IncompatibleKernels">Running/default kernels outside the window (empty = compatible).</param>
/// <param name="KernelToPin">Newest installed kernel inside the window, to pass to <c>proxmox-boot-tool kernel pin</c>; null when none is installed.</param>
internal sealed record KernelCheck(
    DriverVersion Driver,
    DriverFlavour Flavour,
    KernelWindow? Window,
    ImmutableArray<string> IncompatibleKernels,
    string? KernelToPin)
{
    public bool IsKnown => Window is not null;

    public bool IsCompatible => Window is not null && IncompatibleKernels.IsEmpty;

    /// <summary>What to do, for a diagnostic detail.</summary>
    public string Remedy()
    {
        if (Window is null)
        {
            return $"Driver {Driver} ({Driver.Branch}) is not in the kernel compatibility table; the DKMS build will tell.";
        }

        var fix = KernelToPin is not null
            ? $"Pin a compatible kernel that is already installed: `proxmox-boot-tool kernel pin {KernelToPin}`, then reboot the node and apply again."
            : $"Install a kernel of a compatible series (e.g. `apt-get install proxmox-kernel-{Window.MaxSeries ?? Window.MinSeries}` and its headers), pin it with `proxmox-boot-tool kernel pin <version>`, reboot, and apply again.";
        return $"Driver {Driver} ({Window.Release}) builds on {Window.Describe()} (source: {Window.Source}); " +
            $"this node would run {string.Join(" and ", IncompatibleKernels)}. {fix} " +
            "Or choose a driver release that supports this kernel, or set `kernel_compatibility = \"warn\"` to try anyway.";
    }
}
