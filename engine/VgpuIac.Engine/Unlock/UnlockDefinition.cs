using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Unlock;

/// <summary>The schema of <c>vgpu_unlock</c>: vgpu_unlock-rs preloaded into the NVIDIA vGPU services of a node.</summary>
internal static class UnlockDefinition
{
    public const string DefaultLibraryPath = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so";
    public const string ConfigPath = "/etc/vgpu_unlock/config.toml";
    public const string DropInName = "vgpu_unlock.conf";

    /// <summary>The services vgpu_unlock-rs is preloaded into, in restart order (nvidia-vgpud is absent on newer drivers).</summary>
    public static IReadOnlyList<string> Units { get; } = ["nvidia-vgpud.service", "nvidia-vgpu-mgr.service"];

    public const string LibraryUrl = "library_url";
    public const string LibrarySha256 = "library_sha256";
    public const string LibrarySource = "library_source";
    public const string LibraryPath = "library_path";
    public const string Unlock = "unlock";
    public const string UnlockMigration = "unlock_migration";
    public const string RestartWithRunningVms = "restart_with_running_vms";
    public const string Id = "id";
    public const string InstalledLibrarySha256 = "installed_library_sha256";
    public const string InstalledUnits = "units";
    public const string Effective = "effective";
    public const string CreatedPaths = "created_paths";
    public const string Gpus = "gpus";

    public static string DropInPath(string unit) => $"/etc/systemd/system/{unit}.d/{DropInName}";

    public static ResourceDefinition Definition { get; } = new()
    {
        Name = "unlock",
        PulumiName = "Unlock",
        Kind = ObjectKind.Resource,
        DeleteBeforeReplace = true,
        ImportIdFormat = "<node>",
        Description = $"""
            Installs [vgpu_unlock-rs](https://github.com/mbilker/vgpu_unlock-rs) on a node so that a consumer GPU (GeForce or
            non-vGPU Quadro of the Maxwell 2.0, Pascal or Turing generation) offers vGPU types: the library is placed at
            `library_path` (downloaded on the node and checked against `library_sha256`, or uploaded from `library_source`),
            each NVIDIA vGPU service that exists gets a systemd drop-in `{DropInPath("<unit>")}` with
            `Environment=LD_PRELOAD=<library_path>`, and `{ConfigPath}` holds `unlock`/`unlock_migration`.
            A drop-in or `config.toml` written by hand that says the same (other comments, spacing or order; a key left at
            vgpu_unlock-rs's default) is left as it is. Services are reloaded and restarted only when something changed; the
            plan warns before any restart, and a restart of `nvidia-vgpu-mgr` while VMs use vGPUs is refused unless
            `restart_with_running_vms` is true.

            Ampere and newer GeForce cards cannot be unlocked and are refused. Native vGPU cards (Tesla, datacenter, Quadro RTX
            6000/8000) and SR-IOV cards (A-series, L-series) need no unlock: the provider warns; set `unlock = false` if you load the
            library only for `vgpu_profile_override`. Deleting the resource removes the drop-ins and the files and folders it created.
            """,
        Attributes =
        [
            ProviderSchema.NodeAttribute,
            Attr.Optional(LibraryUrl, AttrType.String, "URL of a prebuilt `libvgpu_unlock_rs.so`, downloaded by the node itself (curl or wget) and moved into place only when its SHA-256 equals `library_sha256`. A prebuilt library depends on the node's glibc: use one built for the node's Debian release. Exactly one of `library_url` and `library_source`."),
            Attr.Optional(LibrarySha256, AttrType.String, "SHA-256 (hex) of the library. Required with `library_url`; with `library_source` it defaults to the local file's checksum.") with { Mode = AttributeMode.OptionalComputed },
            Attr.Optional(LibrarySource, AttrType.String, "Path of a library file on the machine running Terraform/Pulumi, uploaded over SFTP (skipped when the node already has the same bytes)."),
            Attr.WithDefault(LibraryPath, AttrType.String, Value.String(DefaultLibraryPath), $"Where the library is installed on the node. Default `{DefaultLibraryPath}` (the path the tutorial and PolloLoco's guide use). Letters, digits and `._+-/` only, absolute.") with { ForcesReplacement = true },
            Attr.WithDefault(Unlock, AttrType.Bool, Value.True, $"`unlock` in `{ConfigPath}`: spoof the consumer GPU as its vGPU-capable sibling. Set `false` on native vGPU cards that load the library only for profile overrides."),
            Attr.WithDefault(UnlockMigration, AttrType.Bool, Value.False, $"`unlock_migration` in `{ConfigPath}`: allow live migration of vGPU VMs (also needs an nvidia-vgpu-vfio module built with `NV_KVM_MIGRATION_UAPI=1`)."),
            Attr.WithDefault(RestartWithRunningVms, AttrType.Bool, Value.False, "Allow this resource to restart `nvidia-vgpu-mgr` (after a change of the library, a drop-in or `config.toml`, or on destroy) while running VMs use vGPUs. Such a restart breaks their vGPUs until each VM is restarted, so by default the plan is refused and names the VMs: shut them down first, or set this to `true`. Changes nothing on the node by itself."),
            Attr.Computed(Id, AttrType.String, "The node name; also the import id."),
            Attr.Computed(InstalledLibrarySha256, AttrType.String, "SHA-256 of the library file on the node now; null when it is missing. Differs from `library_sha256` when the file was replaced by hand."),
            Attr.Computed(InstalledUnits, AttrType.ListOf(AttrType.String), "Services whose drop-in says what the provider writes: `[Service]` with `Environment=LD_PRELOAD=<library_path>` and nothing else (comments, spacing and quoting do not matter; a drop-in changed to say something else or removed by hand drops out of this list)."),
            Attr.Computed(Effective, AttrType.Bool, "True when every existing NVIDIA vGPU service's loaded environment (`systemctl show -p Environment`) has `LD_PRELOAD=<library_path>`; false e.g. when `systemctl daemon-reload` was not run after a drop-in change, or before the host driver is installed."),
            Attr.Computed(CreatedPaths, AttrType.ListOf(AttrType.String), "Files and folders this resource created (and deletes on destroy); files that existed before are left in place."),
            Remote.NodeFileMode.Attribute("the library, `config.toml` and the drop-ins"),
            Attr.Computed(Gpus, AttrType.ListOf(AttrType.String), "NVIDIA GPUs found on the node and what they need, e.g. `0000:01:00.0 10de:1b80 GeForce GTX 1080 (pascal, unlockable)`."),
        ],
    };
}
