namespace VgpuIac.NodeSim;

/// <summary>How a fake NVIDIA vGPU host driver installer (<see cref="FakeInstaller"/>) behaves.</summary>
public sealed record FakeInstallerOptions
{
    /// <summary>The file flavour: <c>vgpu-kvm</c> (stock NVIDIA package), <c>vgpu-kvm-custom</c> (PolloLoco's
    /// <c>--apply-patch</c> output) or <c>vgpu-kvm-patched</c> (community pre-patched build). Patched flavours get the
    /// narrower kernel window of the vgpu_unlock builds (see <see cref="FakeInstaller.KernelRange"/>).</summary>
    public string Flavor { get; init; } = "vgpu-kvm";

    /// <summary>Oldest supported kernel as <c>major.minor</c>; null means the branch default.</summary>
    public string? KernelMin { get; init; }

    /// <summary>Newest supported kernel as <c>major.minor</c>; null means the branch default.</summary>
    public string? KernelMax { get; init; }

    /// <summary>When true a successful install loads the modules at once (if nothing blocks them) and leaves no
    /// pending reboot; by default the driver becomes live at the next boot or at <c>modprobe nvidia</c>.</summary>
    public bool LoadModulesNow { get; init; }

    internal bool IsPatched => Flavor is "vgpu-kvm-custom" or "vgpu-kvm-patched";
}
