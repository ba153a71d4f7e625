using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Guests;

/// <summary>Schema of <c>vgpu_guest</c>: a Proxmox VM with a vGPU slice, its guest driver and its licence.</summary>
internal static class GuestDefinition
{
    public const string Id = "id";
    public const string Node = "node";
    public const string Vmid = "vmid";
    public const string Name = "name";
    public const string Os = "os";
    public const string Machine = "machine";
    public const string Bios = "bios";
    public const string Cpu = "cpu";
    public const string Cores = "cores";
    public const string MemoryMb = "memory_mb";
    public const string Storage = "storage";
    public const string DiskSizeGb = "disk_size_gb";
    public const string Bridge = "bridge";
    public const string Iso = "iso";
    public const string CloneFrom = "clone_from";
    public const string Started = "started";
    public const string Agent = "agent";
    public const string MdevType = "mdev_type";
    public const string MdevTypeName = "mdev_type_name";
    public const string Gpu = "gpu";
    public const string GpuMapping = "gpu_mapping";
    public const string Pcie = "pcie";
    public const string Rombar = "rombar";
    public const string GuestSetup = "guest_setup";
    public const string GuestSshHost = "guest_ssh_host";
    public const string GuestSshPort = "guest_ssh_port";
    public const string GuestSshUser = "guest_ssh_user";
    public const string GuestSshPrivateKey = "guest_ssh_private_key";
    public const string GuestSshPrivateKeyFile = "guest_ssh_private_key_file";
    public const string GuestSshHostKeySha256 = "guest_ssh_host_key_sha256";
    public const string GuestDriverUrl = "guest_driver_url";
    public const string GuestDriverSha256 = "guest_driver_sha256";
    public const string GuestDriverSource = "guest_driver_source";
    public const string HostDriverVersion = "host_driver_version";
    public const string LicenseToken = "license_token";
    public const string LicenseWaitTimeout = "license_wait_timeout";
    public const string MdevUuid = "mdev_uuid";
    public const string Status = "status";
    public const string LicenseStatus = "license_status";
    public const string GuestDriverVersion = "guest_driver_version";
    public const string IpAddresses = "ip_addresses";
    public const string MacAddress = "mac_address";
    public const string AgentWaitTimeout = "agent_wait_timeout";

    /// <summary>The PVE tag VgpuIac puts on the VMs it creates (its ownership mark).</summary>
    public const string OwnershipTag = "vgpuiac";

    public static ResourceDefinition Definition { get; } = new()
    {
        Name = "guest",
        PulumiName = "Guest",
        Kind = ObjectKind.Resource,
        DeleteBeforeReplace = true,
        ImportIdFormat = "<node>/<vmid>",
        Description =
            "A Proxmox VE virtual machine with an NVIDIA vGPU (a mediated device of a vGPU type), set up inside the guest " +
            "through the QEMU guest agent (no guest network needed): nouveau blacklisted, the GRID guest driver installed, " +
            "and the licence installed from a client configuration token (from `vgpu_dls_license_server.client_token`, or a " +
            "token file from NVIDIA's licence service) until `nvidia-smi -q` says `Licensed`.\n\n" +
            "Windows guests (`os = \"windows\"`, with the QEMU guest agent installed from the virtio-win ISO) are set up the same " +
            "way with Windows tools: the installer (`<ver>_grid_win10_win11_..._international.exe`) is copied into the guest " +
            "(or downloaded there with `curl.exe`), checked with `certutil -hashfile ... SHA256`, run silently " +
            "(`-s -noreboot -clean`) and the guest restarted; the token goes to " +
            "`C:\\Program Files\\NVIDIA Corporation\\vGPU Licensing\\ClientConfigToken\\` readable by SYSTEM and " +
            "Administrators only, the `NVDisplay.ContainerLocalSystem` service is restarted, and " +
            "`C:\\Windows\\System32\\nvidia-smi.exe -q` must say `Licensed`; otherwise the error quotes " +
            "`C:\\Users\\Public\\Documents\\NvidiaLogging\\Log.NVDisplay.Container.exe.log`.\n\n" +
            "Linux guests can be set up over SSH instead (`guest_ssh_host`, with `guest_ssh_host_key_sha256` and a key): the same " +
            "commands run over a direct SSH connection to the guest, so the agent is not needed for setup (the VM is still created " +
            "and read with `qm` on the node). The guest's host key is always verified against the pinned fingerprint, never " +
            "trusted on first use. Windows guests use the agent.\n\n" +
            "The plan warns when the vGPU type does not exist on the node, has no free instance, or would mix types " +
            "on a GPU that allows one type at a time; the apply then refuses before it creates anything (these checks never " +
            "block a destroy).\n\n" +
            "VMs created by VgpuIac carry the PVE tag `vgpuiac`. A create that finds a VM with that tag at its `vmid` (left by an " +
            "interrupted or failed create, which keeps nothing in state) finishes it instead of failing, without undoing what that create did; " +
            "a VM with the tag that another apply made and keeps in its own state is refused (choose another vmid), and a VM without the tag is never touched: import it. " +
            "A `clone_from` template's disks are copied onto `storage` and the system disk (`scsi0`) grown to `disk_size_gb`. " +
            "Updates send `qm set` only the options that changed, and never a network device without its MAC address.",
        Attributes =
        [
            Attr.Computed(Id, AttrType.String, "`<node>/<vmid>`.") with { StableComputed = true },
            ProviderSchema.NodeAttribute,
            Attr.Required(Vmid, AttrType.Number, "VM ID.") with { ForcesReplacement = true, Validators = [Validators.IntRange(100, 999_999_999)] },
            Attr.Required(Name, AttrType.String, "VM name (a DNS label, as PVE requires).")
                with { Validators = [Validators.Pattern("^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,61}[a-zA-Z0-9])?$", "a DNS name (letters, digits, dots, hyphens)")] },
            Attr.WithDefault(Os, AttrType.String, Value.String("linux"), "`linux` or `windows` (sets `ostype` to `l26` or `win11`, and which tools set up the guest).")
                with { ForcesReplacement = true, Validators = [Validators.OneOf("linux", "windows")] },
            Attr.WithDefault(Machine, AttrType.String, Value.String("q35"), "QEMU machine: `q35` (latest) or a pinned version such as `pc-q35-7.2`.")
                with { Validators = [Validators.Pattern(@"^(q35|pc-q35-[0-9]+\.[0-9]+(\+pve[0-9]+)?|pc|pc-i440fx-[0-9]+\.[0-9]+(\+pve[0-9]+)?)$", "a QEMU machine type such as q35 or pc-q35-7.2")] },
            Attr.WithDefault(Bios, AttrType.String, Value.String("ovmf"), "`ovmf` (UEFI, with an EFI disk) or `seabios`.")
                with { ForcesReplacement = true, Validators = [Validators.OneOf("ovmf", "seabios")] },
            Attr.WithDefault(Cpu, AttrType.String, Value.String("host"), "CPU type.") with { Validators = [Validators.Pattern("^[a-zA-Z0-9_.,=+-]{1,64}$", "a CPU type such as host")] },
            Attr.WithDefault(Cores, AttrType.Number, Value.Number(4), "CPU cores.") with { Validators = [Validators.IntRange(1, 512)] },
            Attr.WithDefault(MemoryMb, AttrType.Number, Value.Number(8192), "Memory in MiB.") with { Validators = [Validators.IntRange(256, 4_194_304)] },
            Attr.WithDefault(Storage, AttrType.String, Value.String("local-lvm"), "Storage for the system disk and the EFI disk.")
                with { ForcesReplacement = true, Validators = [Validators.Pattern("^[a-zA-Z0-9_.-]{1,64}$", "a storage ID")] },
            Attr.WithDefault(DiskSizeGb, AttrType.Number, Value.Number(32), "System disk size in GiB (SCSI, virtio-scsi-single, iothread).")
                with { ForcesReplacement = true, Validators = [Validators.IntRange(1, 65536)] },
            Attr.WithDefault(Bridge, AttrType.String, Value.String("vmbr0"), "Bridge of the virtio network interface.")
                with { Validators = [Validators.Pattern("^[a-zA-Z0-9_.-]{1,15}$", "a bridge name such as vmbr0")] },
            Attr.Optional(Iso, AttrType.String, "Installation ISO volume attached as a CD-ROM, e.g. `local:iso/ubuntu-22.04.4-live-server-amd64.iso`.")
                with { Validators = [Validators.Pattern(@"^[a-zA-Z0-9_.-]+:iso/[^,;\s]+$", "an ISO volume such as local:iso/name.iso")] },
            Attr.Optional(CloneFrom, AttrType.Number, "Create the VM as a full clone of this template VM instead of from scratch.")
                with { ForcesReplacement = true, Validators = [Validators.IntRange(100, 999_999_999)] },
            new AttributeDefinition
            {
                Name = MacAddress, Type = AttrType.String, Mode = AttributeMode.OptionalComputed, StableComputed = true,
                Description = "MAC address of the network interface (`net0`). Default: the one PVE generates at creation, read back and kept: an update never changes it unless you set another.",
                Validators = [Validators.Pattern("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$", "a MAC address such as BC:24:11:2A:3B:4C")],
            },
            Attr.WithDefault(Started, AttrType.Bool, Value.True, "Keep the VM running (it is started on create)."),
            Attr.WithDefault(Agent, AttrType.Bool, Value.True, "Enable the QEMU guest agent (needed for guest setup unless `guest_ssh_host` is set, and for reading IP addresses)."),
            new AttributeDefinition
            {
                Name = MdevType, Type = AttrType.String, Mode = AttributeMode.OptionalComputed,
                Description = "vGPU type ID as the node lists it, e.g. `nvidia-46`. Set this or `mdev_type_name`; when the name is set this shows the ID it resolved to.",
                Validators = [Validators.Pattern("^[^/.:,;\\s]+$", "an mdev type ID such as nvidia-46")],
            },
            Attr.Optional(MdevTypeName, AttrType.String, "vGPU type name, e.g. `GRID P40-1Q`, resolved on the node to its ID."),
            new AttributeDefinition
            {
                Name = Gpu, Type = AttrType.String, Mode = AttributeMode.OptionalComputed,
                Description = "PCI address of the GPU to slice (`0000:01:00.0`; `01:00.0` is the same device). Default: the first GPU offering the type with a free instance; the address in use is read back from `hostpci0`.",
                Validators = [Validators.Pattern("^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$", "a PCI address such as 0000:01:00.0")],
            },
            Attr.Optional(GpuMapping, AttrType.String, "A PVE PCI resource mapping to use instead of `gpu` (for non-root API users and clusters).")
                with { Validators = [Validators.Pattern("^[a-zA-Z0-9_-]{1,64}$", "a resource mapping ID")] },
            Attr.WithDefault(Pcie, AttrType.Bool, Value.True, "Attach the vGPU as PCIe (needs a q35 machine)."),
            Attr.WithDefault(Rombar, AttrType.Bool, Value.True, "Expose the device ROM."),
            Attr.WithDefault(GuestSetup, AttrType.String, Value.String("agent"), "How to set up the guest: `agent` (through the QEMU guest agent, or over SSH when `guest_ssh_host` is set) or `none` (leave the guest alone).")
                with { Validators = [Validators.OneOf("agent", "none")] },
            Attr.Optional(GuestSshHost, AttrType.String, "Set up a Linux guest over SSH to this address (host name or IP) instead of through the QEMU guest agent. Needs `guest_ssh_host_key_sha256` and `guest_ssh_private_key` or `guest_ssh_private_key_file`. Windows guests use the agent.")
                with { Validators = [Validators.Pattern(@"^[a-zA-Z0-9]([a-zA-Z0-9.:_-]{0,252})$", "a host name or IP address")] },
            Attr.Optional(GuestSshPort, AttrType.Number, "SSH port of the guest (default 22).") with { Validators = [Validators.IntRange(1, 65535)] },
            Attr.Optional(GuestSshUser, AttrType.String, "User to log into the guest as (default `root`); setup needs root (or a user whose commands run as root).")
                with { Validators = [Validators.Pattern("^[a-z_][a-z0-9_.-]{0,31}$", "a user name such as root")] },
            Attr.Optional(GuestSshPrivateKey, AttrType.String, "Private key text (PEM or OpenSSH) to log into the guest with.") with { Sensitive = true },
            Attr.Optional(GuestSshPrivateKeyFile, AttrType.String, "Path of a private key file to log into the guest with."),
            Attr.Optional(GuestSshHostKeySha256, AttrType.String, "SHA-256 fingerprint of the guest's SSH host key, as `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints it (`SHA256:...`). Required with `guest_ssh_host`: the key is always verified, never trusted on first use."),
            Attr.Optional(GuestDriverUrl, AttrType.String, "URL of the GRID guest driver installer (`NVIDIA-Linux-x86_64-<ver>-grid.run`, or for Windows `<ver>_grid_win10_win11_server2019_server2022_dch_64bit_international.exe`), downloaded inside the guest and checked against `guest_driver_sha256`.")
                with { Validators = [Validators.Pattern("^https?://[^\\s'\"]+$", "an http(s) URL")] },
            Attr.Optional(GuestDriverSha256, AttrType.String, "SHA-256 of the guest driver installer; required with `guest_driver_url` and `guest_driver_source`.") with { Validators = [Validators.Sha256Hex()] },
            Attr.Optional(GuestDriverSource, AttrType.String, "Local path of the guest driver installer, copied to the node and into the guest."),
            Attr.Optional(HostDriverVersion, AttrType.String, "The node's host driver version (e.g. `vgpu_host_driver.installed_version`); when set, the guest driver must come from the same vGPU release.")
                with { Validators = [Validators.Pattern("^[0-9]+\\.[0-9]+(\\.[0-9]+)?$", "a driver version such as 535.129.03")] },
            Attr.Optional(LicenseToken, AttrType.String, "Client configuration token (`.tok` content) installed in the guest (Linux: mode 0600; Windows: readable by SYSTEM and Administrators only); e.g. `vgpu_dls_license_server.main.client_token` or `file(\"client_configuration_token.tok\")`.")
                with { Sensitive = true },
            Attr.WithDefault(LicenseWaitTimeout, AttrType.String, Value.String("3m"), "How long to wait for `Licensed` after installing the token.") with { Validators = [Validators.Duration()] },
            Attr.Optional(AgentWaitTimeout, AttrType.String, "How long guest setup waits for the QEMU guest agent to answer after the VM starts or reboots (default `5m`; `timeouts.create` still bounds the whole create).")
                with { Validators = [Validators.Duration()] },
            Attr.Computed(MdevUuid, AttrType.String, "UUID of the vGPU's mediated device (PVE derives it from the hostpci index and the VM ID)."),
            Attr.Computed(Status, AttrType.String, "`running` or `stopped`."),
            Attr.Computed(LicenseStatus, AttrType.String, "Licence status as the guest reports it, e.g. `Licensed (Expiry: 2025-4-22 11:18:43 GMT)`."),
            Attr.Computed(GuestDriverVersion, AttrType.String, "GRID guest driver version installed in the guest (Windows guests report their own numbering, e.g. `537.70` for vGPU 16.2)."),
            Attr.Computed(IpAddresses, AttrType.ListOf(AttrType.String), "IPv4 addresses the guest agent reports (loopback excluded)."),
        ],
    };
}
