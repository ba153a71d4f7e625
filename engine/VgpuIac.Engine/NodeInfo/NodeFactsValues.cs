using VgpuIac.Engine.Host;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.NodeInfo;

/// <summary>Model conversion: <see cref="NodeFacts"/> → the values of the <c>vgpu_node</c> schema.</summary>
public static class NodeFactsValues
{
    /// <summary>One <c>vgpu_types</c> element.</summary>
    internal static Value VgpuType(VgpuType type) => Value.Object(
        ("id", Value.String(type.Id)),
        ("name", Value.String(type.Name)),
        ("description", Value.String(type.Description)),
        ("available_instances", Value.Number(type.AvailableInstances)),
        ("max_instances", Value.FromNumber(type.MaxInstances)),
        ("framebuffer_mib", Value.FromNumber(type.FramebufferMib)));

    /// <summary>One <c>active_vgpus</c> element.</summary>
    internal static Value RunningVgpu(RunningVgpu vgpu) => Value.Object(
        ("vgpu_id", Value.String(vgpu.VgpuId)),
        ("vm_id", Value.FromNumber(vgpu.VmId)),
        ("vm_name", Value.FromString(vgpu.VmName)),
        ("type_id", Value.FromString(vgpu.TypeId)),
        ("type_name", Value.FromString(vgpu.TypeName)),
        ("mdev_uuid", Value.FromString(vgpu.MdevUuid)),
        ("vgpu_uuid", Value.FromString(vgpu.VgpuUuid)),
        ("guest_driver_version", Value.FromString(vgpu.GuestDriverVersion)),
        ("license_status", Value.FromString(vgpu.LicenceStatus)),
        ("licensed", Value.Bool(vgpu.Licensed)));

    /// <summary>One <c>gpus</c> element.</summary>
    internal static Value Gpu(GpuFacts gpu) => Value.Object(
        ("pci_address", Value.String(gpu.PciAddress)),
        ("vendor_id", Value.String(gpu.VendorId)),
        ("device_id", Value.String(gpu.DeviceId)),
        ("name", Value.String(gpu.Name)),
        ("architecture", Value.String(gpu.Architecture)),
        ("vgpu_path", Value.String(gpu.VgpuPath.ToName())),
        ("driver", Value.FromString(gpu.DriverInUse)),
        ("vgpu_types", Value.List(gpu.VgpuTypes.Select(VgpuType))),
        ("active_vgpus", Value.List(gpu.RunningVgpus.Select(RunningVgpu))));

    /// <summary>The full data source state for <paramref name="facts"/>.</summary>
    internal static Value State(NodeFacts facts) => Value.Object(
        ("node", Value.String(facts.NodeName)),
        ("id", Value.String(facts.NodeName)),
        ("hostname", Value.FromString(facts.Hostname)),
        ("pve_version", Value.FromString(facts.PveVersion)),
        ("running_kernel", Value.String(facts.RunningKernel)),
        ("default_kernel", Value.FromString(facts.DefaultKernel)),
        ("pinned_kernel", Value.FromString(facts.PinnedKernel)),
        ("installed_kernels", Value.FromStrings(facts.InstalledKernels)),
        ("iommu_enabled", Value.Bool(facts.Iommu.Enabled)),
        ("secure_boot", Value.FromBool(facts.SecureBoot)),
        ("nouveau_loaded", Value.Bool(facts.NouveauLoaded)),
        ("gpus", Value.List(facts.Gpus.Where(g => !g.IsVirtualFunction).Select(Gpu))),
        ("host_driver_version", Value.FromString(facts.Driver.InstalledVersion)),
        ("vgpu_manager_state", Value.String(facts.VgpuManager.Describe())),
        ("vgpu_daemon_state", Value.String(facts.VgpuDaemon.Describe())),
        ("reboot_required", Value.Bool(facts.RebootRequired)));
}
