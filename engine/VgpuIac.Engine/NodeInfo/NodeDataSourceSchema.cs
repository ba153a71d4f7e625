using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Schema;

namespace VgpuIac.Engine.NodeInfo;

/// <summary>The schema of the <c>vgpu_node</c> data source: what a PVE node offers for vGPU.</summary>
public static class NodeDataSourceSchema
{
    /// <summary>An element of <c>gpus[*].vgpu_types</c>: a vGPU type the GPU offers.</summary>
    public static AttrType VgpuTypeObject { get; } = AttrType.ObjectOf(
        new ObjectField("id", AttrType.String),
        new ObjectField("name", AttrType.String),
        new ObjectField("description", AttrType.String),
        new ObjectField("available_instances", AttrType.Integer),
        new ObjectField("max_instances", AttrType.Integer),
        new ObjectField("framebuffer_mib", AttrType.Integer));

    /// <summary>An element of <c>gpus[*].active_vgpus</c>: a vGPU running on the GPU now.</summary>
    public static AttrType RunningVgpuObject { get; } = AttrType.ObjectOf(
        new ObjectField("vgpu_id", AttrType.String),
        new ObjectField("vm_id", AttrType.Integer),
        new ObjectField("vm_name", AttrType.String),
        new ObjectField("type_id", AttrType.String),
        new ObjectField("type_name", AttrType.String),
        new ObjectField("mdev_uuid", AttrType.String),
        new ObjectField("vgpu_uuid", AttrType.String),
        new ObjectField("guest_driver_version", AttrType.String),
        new ObjectField("license_status", AttrType.String),
        new ObjectField("licensed", AttrType.Bool));

    /// <summary>An element of <c>gpus</c>: one NVIDIA GPU (physical function).</summary>
    public static AttrType GpuObject { get; } = AttrType.ObjectOf(
        new ObjectField("pci_address", AttrType.String),
        new ObjectField("vendor_id", AttrType.String),
        new ObjectField("device_id", AttrType.String),
        new ObjectField("name", AttrType.String),
        new ObjectField("architecture", AttrType.String),
        new ObjectField("vgpu_path", AttrType.String),
        new ObjectField("driver", AttrType.String),
        new ObjectField("vgpu_types", AttrType.ListOf(VgpuTypeObject)),
        new ObjectField("active_vgpus", AttrType.ListOf(RunningVgpuObject)));

    /// <summary>The data source's definition, rendered by both doors and the docs.</summary>
    public static ResourceDefinition Definition { get; } = new()
    {
        Name = "node",
        PulumiName = "getNode",
        Kind = ObjectKind.DataSource,
        Description = "Reads what a Proxmox VE node offers for NVIDIA vGPU: PVE version, kernels, IOMMU and Secure Boot state, " +
            "the NVIDIA GPUs with their architecture and vGPU path, the vGPU types each GPU can create now and the vGPUs running on it, the installed host " +
            "driver and the state of its services. All facts come from one read-only SSH round trip.",
        Attributes =
        [
            ProviderSchema.NodeAttribute with { ForcesReplacement = false },
            Attr.Computed("id", AttrType.String, "The node name."),
            Attr.Computed("hostname", AttrType.String, "Host name the node reports."),
            Attr.Computed("pve_version", AttrType.String, "Proxmox VE version, e.g. `8.2.4`; null when `pveversion` is absent."),
            Attr.Computed("running_kernel", AttrType.String, "The running kernel (`uname -r`)."),
            Attr.Computed("default_kernel", AttrType.String, "The kernel the next boot uses: the pinned one, else the newest installed."),
            Attr.Computed("pinned_kernel", AttrType.String, "The kernel pinned with `proxmox-boot-tool kernel pin`, or null."),
            Attr.Computed("installed_kernels", AttrType.ListOf(AttrType.String), "Installed kernel releases, oldest first."),
            Attr.Computed("iommu_enabled", AttrType.Bool, "True when the kernel has an active IOMMU (`/sys/class/iommu` is not empty), which PVE requires for any PCI device including mdev."),
            Attr.Computed("secure_boot", AttrType.Bool, "True when UEFI Secure Boot is on (unsigned DKMS modules will not load); null when unknown."),
            Attr.Computed("nouveau_loaded", AttrType.Bool, "True when the nouveau driver is loaded (it must be blacklisted and unloaded before the NVIDIA host driver installs)."),
            Attr.Computed("gpus", AttrType.ListOf(GpuObject),
                "NVIDIA GPUs. `vgpu_path` is `native` (vGPU-capable card, stock driver), `unlockable` (consumer Maxwell 2.0/Pascal/Turing " +
                "with a patched driver and vgpu_unlock), `sriov` (Ampere and newer datacenter cards, vGPUs on virtual functions), " +
                "`unsupported` (e.g. Ampere and newer GeForce) or `unknown` (not in the GPU table). `vgpu_types` lists what the GPU " +
                "offers now (empty until the host driver is loaded); `id` is what `mdev=` takes, resolve it by `name`. `active_vgpus` lists " +
                "the vGPUs running on the GPU now, from `nvidia-smi vgpu -q`: `vgpu_id`, the VM (`vm_id` from PVE's mdev UUID or a unique " +
                "VM name, else null; `vm_name`), the type (`type_id` as in `mdev=`, `type_name`), `mdev_uuid` (null on drivers that do not " +
                "print it, e.g. the 580 branch), `vgpu_uuid` (not the mdev UUID), `guest_driver_version` (null until the guest driver " +
                "loads), `license_status` as the driver prints it and `licensed`."),
            Attr.Computed("host_driver_version", AttrType.String, "Installed NVIDIA host driver version, or null."),
            Attr.Computed("vgpu_manager_state", AttrType.String, "State of `nvidia-vgpu-mgr.service`, e.g. `active (running)`, `inactive (dead)`, `not-found`."),
            Attr.Computed("vgpu_daemon_state", AttrType.String, "State of `nvidia-vgpud.service` (optional; absent on newer drivers, one-shot `inactive (dead)` is normal)."),
            Attr.Computed("reboot_required", AttrType.Bool, "True when a change on the node waits for a reboot."),
        ],
    };
}
