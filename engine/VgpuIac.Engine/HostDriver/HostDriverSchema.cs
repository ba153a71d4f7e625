using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.HostDriver;

/// <summary>The schema of <c>vgpu_host_driver</c>: the NVIDIA vGPU host driver on one PVE node (tutorial steps 1, 2, 4, 5).</summary>
internal static class HostDriverSchema
{
    public const string VersionPattern = @"^[0-9]{3}\.[0-9]{1,3}(\.[0-9]{1,3})?$";

    public static ResourceDefinition Definition { get; } = new()
    {
        Name = "host_driver",
        PulumiName = "HostDriver",
        Kind = ObjectKind.Resource,
        Description = "Installs the NVIDIA vGPU host driver (`NVIDIA-Linux-x86_64-<version>-vgpu-kvm*.run`) on a Proxmox VE node, " +
            "with everything it needs: build tools, DKMS, mdevctl and the headers of the running kernel, a kernel the driver " +
            "supports, IOMMU, and nouveau blacklisted. Reboots the node when a step needs it (see `reboot`); the plan says when. " +
            "After installing it checks that `nvidia-vgpu-mgr` runs and that vGPU types are offered. Every step checks whether it " +
            "is already done, so an interrupted apply converges when run again.",
        ImportIdFormat = "<node name>",
        Attributes =
        [
            ProviderSchema.NodeAttribute,
            Attr.Computed("id", AttrType.String, "The node name.") with { StableComputed = true },
            Attr.Optional("installer_url", AttrType.String,
                "HTTP(S) URL of the installer `.run`, downloaded on the node and checked against `installer_sha256` before it runs. " +
                "Exactly one of `installer_url` and `installer_source` is required.") with
            {
                Validators = [Validators.Pattern(@"^https?://[^\s]+$", "an http:// or https:// URL without spaces")],
            },
            Attr.Optional("installer_source", AttrType.String,
                "Path of the installer `.run` on the machine running Terraform/Pulumi; uploaded over SFTP (skipped when the node already has a file with the same SHA-256)."),
            new AttributeDefinition
            {
                Name = "installer_sha256",
                Type = AttrType.String,
                Mode = AttributeMode.OptionalComputed,
                Description = "SHA-256 (hex) of the installer. Required with `installer_url`; with `installer_source` it is computed from the file (and checked when set).",
                Validators = [Validators.Sha256Hex()],
            },
            new AttributeDefinition
            {
                Name = "version",
                Type = AttrType.String,
                Mode = AttributeMode.OptionalComputed,
                Description = "Driver version, e.g. `535.129.03`. Derived from the installer file name when not set.",
                Validators = [Validators.Pattern(VersionPattern, "an NVIDIA driver version such as 535.129.03")],
            },
            Attr.WithDefault("dkms", AttrType.Bool, Value.True, "Register the kernel modules with DKMS (`--dkms`) so they are rebuilt on kernel upgrades. Default `true`. Takes effect when the driver is installed; an import reads whether the installed driver is registered with DKMS, and while it is not (no `dkms` package, or installed without `--dkms`) the plan says so."),
            Attr.WithDefault("kernel_compatibility", AttrType.String, Value.String("enforce"),
                "What to do when the running or default kernel is outside the range the driver is known to build on: `enforce` (error at plan time, naming the kernel to pin), `warn`, or `off`. Default `enforce`.") with
            {
                Validators = [Validators.OneOf("enforce", "warn", "off")],
            },
            Attr.WithDefault("enable_iommu", AttrType.Bool, Value.False,
                "When the IOMMU is off, add it to the kernel command line (`/etc/default/grub` + `update-grub`, or `/etc/kernel/cmdline` + `proxmox-boot-tool refresh`); needs a reboot. When false, an IOMMU that is off is an error saying what to add."),
            Attr.WithDefault("reboot", AttrType.String, Value.String("if_needed"),
                "`if_needed` (default): reboot the node when a step needs it (nouveau unload, IOMMU, loading the new driver) and wait for it. `never`: leave it to you; `reboot_required` says so.") with
            {
                Validators = [Validators.OneOf("if_needed", "never")],
            },
            Attr.WithDefault("reboot_timeout", AttrType.String, Value.String("10m"), "How long to wait for the node to come back from a reboot, as a duration. Default `10m`.") with
            {
                Validators = [Validators.Duration()],
            },
            Attr.WithDefault("force_destroy", AttrType.Bool, Value.False,
                "Allow uninstalling or replacing the driver while VMs with a vGPU are running (they lose their GPU). Default `false`."),
            Attr.Computed("installed_version", AttrType.String, "The driver version installed on the node."),
            Attr.Computed("reboot_planned", AttrType.Bool, "True when this apply may reboot the node (shown in the plan); false after a refresh."),
            Attr.Computed("reboot_required", AttrType.Bool, "True when the node waits for a reboot to finish the installation (e.g. with `reboot = \"never\"`)."),
            Attr.Computed("health", AttrType.String, "`ok`, or `degraded: <reasons>` (service down, no vGPU types, reboot pending, driver mismatch)."),
            Remote.NodeFileMode.Attribute("the files this resource leaves on the node: its marker `/var/lib/vgpu-iac/host-driver.env`, the installers it staged in `/var/lib/vgpu-iac/installers` (run as root again to uninstall), and `/etc/modprobe.d/blacklist-nouveau.conf` when it wrote that file (a hand-written one is left alone)"),
        ],
    };
}
