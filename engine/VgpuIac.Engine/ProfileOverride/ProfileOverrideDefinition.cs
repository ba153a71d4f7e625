using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>The schema of <c>vgpu_profile_override</c>: one section of <c>/etc/vgpu_unlock/profile_override.toml</c>.</summary>
internal static class ProfileOverrideDefinition
{
    public const string FilePath = "/etc/vgpu_unlock/profile_override.toml";

    /// <summary>Name of the node-wide lock held around every read-modify-write of the file.</summary>
    public const string LockName = "vgpu-profile-override";

    public const string MdevType = "mdev_type";
    public const string MdevTypeName = "mdev_type_name";
    public const string Vmid = "vmid";
    public const string MdevUuid = "mdev_uuid";
    public const string Section = "section";
    public const string Id = "id";
    public const string RestartRequiredVms = "restart_required_vms";
    public const string UnmanagedKeys = "unmanaged_keys";
    public const string AdoptedSection = "adopted_section";

    /// <summary>The attributes that pick the section; exactly one of them is set.</summary>
    public static IReadOnlyList<string> TargetAttributes { get; } = [MdevType, MdevTypeName, Vmid, MdevUuid];

    public static ResourceDefinition Definition { get; } = new()
    {
        Name = "profile_override",
        PulumiName = "ProfileOverride",
        Kind = ObjectKind.Resource,
        DeleteBeforeReplace = true,
        ImportIdFormat = "<node>/profile.<mdev type> | <node>/vm.<vmid> | <node>/mdev.<uuid>",
        Description = $"""
            One section of `{FilePath}`, the file vgpu_unlock-rs reads to change a vGPU type's properties (displays, resolution,
            framebuffer, CUDA, frame-rate limiter, ...). The section is picked by exactly one of `mdev_type`/`mdev_type_name`
            (`[profile.nvidia-46]`, every instance of a type), `vmid` (`[vm.104]`, every vGPU of a Proxmox VM) or `mdev_uuid`
            (`[mdev.<uuid>]`, one instance). vgpu_unlock-rs applies profile, then mdev, then vm sections, so `vm` wins.

            The resource owns only its section: every other byte of the file (other sections, comments, formatting) is kept exactly,
            edits are atomic and serialized per node, and a file that is not valid TOML is never overwritten. Keys set by hand in
            the section show up as drift. Changes take effect when the VMs using the type restart (`restart_required_vms`).
            A section that already exists when the resource is created (written by hand, as the tutorial does) is taken over
            visibly: the plan warns and lists the keys that change, are added or are removed, and the section's text as it was is
            kept in `adopted_section`. Deleting the resource puts such a section back exactly as it was; a section the resource
            created or imported is removed (the destroy plan lists its keys). The file stays in place, even when it becomes empty.
            Requires `vgpu_unlock` (the library must be preloaded into the NVIDIA vGPU services for overrides to apply).
            """,
        Attributes =
        [
            ProviderSchema.NodeAttribute,
            Attr.Optional(MdevType, AttrType.String, "vGPU type id the section applies to, as the mdev type directory and Proxmox's `mdev=` name it, e.g. `nvidia-46` (`[profile.nvidia-46]`). Set by the provider when `mdev_type_name` is used.") with { Mode = AttributeMode.OptionalComputed, ForcesReplacement = true },
            Attr.Optional(MdevTypeName, AttrType.String, "vGPU type name, e.g. `GRID P40-1Q`; resolved on the node (`mdevctl types`) to the type id stored in `mdev_type`.") with { ForcesReplacement = true },
            Attr.Optional(Vmid, AttrType.Integer, "Proxmox VM id the section applies to (`[vm.104]`): every vGPU of that VM. Proxmox mdev UUIDs encode the VM id, which is how vgpu_unlock-rs matches it.") with { ForcesReplacement = true },
            Attr.Optional(MdevUuid, AttrType.String, "UUID of one mdev instance, lower case (`[mdev.00000000-0000-0000-0000-000000000104]`).") with { ForcesReplacement = true },
            .. OverrideKeys.All.Select(KeyAttribute),
            .. OverrideKeys.All.Where(k => k.Kind == OverrideValueKind.ByteSize).Select(k =>
                Attr.Computed(k.BytesAttribute, AttrType.Number, $"`{k.Name}` in bytes, as vgpu_unlock-rs reads it; null when `{k.Name}` is unset.")),
            Attr.Computed(Section, AttrType.String, "The section name in the file, e.g. `profile.nvidia-46`, `vm.104`, `mdev.<uuid>`."),
            Attr.Computed(Id, AttrType.String, "`<node>/<section>`, e.g. `pve1/profile.nvidia-46`; also the import id."),
            Attr.Computed(RestartRequiredVms, AttrType.ListOf(AttrType.Integer), "Running VMs that use the targeted type, VM or mdev and were started before the file last changed: restart them (`qm reboot <vmid>`) to apply the override. Judged from the file's modification time, so an edit of another section also counts."),
            Attr.Computed(AdoptedSection, AttrType.String, "The section's text (header, keys, comments) as it was in the file before a create of this resource took it over; null when the resource created or imported the section. Destroy writes it back instead of removing the section."),
            Attr.Computed(UnmanagedKeys, AttrType.ListOf(AttrType.String), "Keys found in the section that vgpu_unlock-rs does not know, or whose value has a type it rejects (e.g. `cuda_enabled = true` instead of `1`). Apply removes or rewrites them; they show here as drift."),
            Remote.NodeFileMode.Attribute("`profile_override.toml` (shared by every section)", exact: true),
        ],
    };

    private static AttributeDefinition KeyAttribute(OverrideKey key)
    {
        // Pulumi's SDKs make an integer a 32-bit int (C#): 64-bit keys and byte counts stay numbers.
        var type = key.Kind switch
        {
            OverrideValueKind.ByteSize or OverrideValueKind.Text => AttrType.String,
            OverrideValueKind.Unsigned64 => AttrType.Number,
            _ => AttrType.Integer,
        };
        var description = key.Kind switch
        {
            OverrideValueKind.Flag => key.Description + " Written as the integer `0` or `1`, which is what vgpu_unlock-rs expects.",
            OverrideValueKind.Text => key.Description + " Stored as a TOML string, exactly as given.",
            _ => key.Description,
        };
        var attribute = Attr.Optional(key.Name, type, description);
        return key == OverrideKeys.MaxPixels ? attribute with { Mode = AttributeMode.OptionalComputed } : attribute;
    }

    /// <summary>The id of a section on a node: <c>pve1/profile.nvidia-46</c>.</summary>
    public static string IdOf(string node, OverrideSection section) => $"{node}/{section.Name}";

    internal static Value EmptyNumberList { get; } = Value.List();
}
