using System.Collections.Immutable;
using System.Globalization;
using VgpuIac.Engine.Parsing.Pve;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// Pure planning of <c>vgpu_guest</c> (no node access): which <c>qm set</c> options a VM needs, whether its vGPU
/// changes, what a create finds at its vmid, and the computed values of a plan.
/// </summary>
internal static class GuestPlanner
{
    /// <summary>PVE's values for options a config does not have.</summary>
    public const string PveDefaultMachine = "pc";

    public const string PveDefaultCpu = "kvm64";

    public const long PveDefaultCores = 1;

    public const long PveDefaultMemoryMb = 512;

    /// <summary>Attributes whose change changes the vGPU (hostpci0), which takes a VM stop and start.</summary>
    public static IReadOnlyList<string> VgpuAttributes { get; } = [D.MdevType, D.MdevTypeName, D.Gpu, D.GpuMapping, D.Pcie, D.Rombar];

    /// <summary>The options of <paramref name="node"/> that differ from <paramref name="spec"/> (vGPU on <paramref name="gpu"/>).</summary>
    /// <remarks>
    /// <paramref name="creating"/>: the VM is being created or finished (a clone of a template, or one a create left
    /// unfinished), so the options that force a replacement afterwards (<c>bios</c>, <c>ostype</c>) are set too.
    /// </remarks>
    public static GuestVmChanges ConfigChanges(QmConfig node, GuestSpec spec, string? gpu, bool addTag = false, bool creating = false)
    {
        var set = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        var delete = ImmutableArray.CreateBuilder<string>();
        void Set(string key, string value) => set.Add(KeyValuePair.Create(key, value));

        if (node.Get("name") != spec.Name)
        {
            Set("name", spec.Name);
        }

        if (!string.Equals(node.Get("machine") ?? PveDefaultMachine, spec.Machine, StringComparison.Ordinal))
        {
            Set("machine", spec.Machine);
        }

        if (!string.Equals(CpuType(node.Get("cpu")), spec.Cpu, StringComparison.Ordinal))
        {
            Set("cpu", spec.Cpu);
        }

        if (Number(node.Get("cores"), PveDefaultCores) != spec.Cores)
        {
            Set("cores", spec.Cores.ToString(CultureInfo.InvariantCulture));
        }

        if (Memory(node.Get("memory")) != spec.MemoryMb)
        {
            Set("memory", spec.MemoryMb.ToString(CultureInfo.InvariantCulture));
        }

        if (AgentEnabled(node.Get("agent")) != spec.Agent)
        {
            var agent = PveProperty.Parse(node.Get("agent"));
            var value = spec.Agent ? "1" : "0";
            Set("agent", agent.Get("enabled") is not null || agent.Parts.IsEmpty ? agent.With("enabled", value).ToString()
                : new PveProperty(agent.Parts.SetItem(0, KeyValuePair.Create(string.Empty, value))).ToString());
        }

        var net0 = node.Get("net0");
        if (net0 is null || GuestNic.Bridge(net0) != spec.Bridge || (spec.MacAddress is not null && !GuestNic.SameMac(GuestNic.Mac(net0), spec.MacAddress)))
        {
            Set("net0", GuestNic.Desired(net0, spec.Bridge, spec.MacAddress));
        }

        var vgpuChanged = !HostPciMatches(node, spec, gpu);
        if (vgpuChanged)
        {
            Set("hostpci0", spec.HostPci(gpu ?? node.HostPci.FirstOrDefault(h => h.Index == 0)?.Device.Host));
        }

        var ide2 = node.Get("ide2");
        if (spec.Iso is not null && PveProperty.Parse(ide2).Get(string.Empty) != spec.Iso)
        {
            Set("ide2", $"{spec.Iso},media=cdrom");
        }
        else if (spec.Iso is null && IsoOf(ide2) is not null)
        {
            delete.Add("ide2");
        }

        if (creating)
        {
            CreateOnlyChanges(node, spec, Set);
        }

        if ((addTag || set.Count > 0 || delete.Count > 0) && !Tagged(node))
        {
            Set("tags", string.Join(';', Tags(node.Get("tags")).Append(D.OwnershipTag)));
        }

        return new GuestVmChanges { Set = set.ToImmutable(), Delete = delete.ToImmutable(), VgpuChanged = vgpuChanged };
    }

    /// <summary><c>bios</c> (with an EFI disk for OVMF) and <c>ostype</c> (with a TPM for Windows) as <c>qm create</c> would have set them.</summary>
    private static void CreateOnlyChanges(QmConfig node, GuestSpec spec, Action<string, string> set)
    {
        if ((node.Bios ?? "seabios") != spec.Bios)
        {
            set("bios", spec.Bios);
        }

        if (spec.Bios == "ovmf" && node.Get("efidisk0") is null)
        {
            set("efidisk0", $"{spec.Storage}:1,efitype=4m,pre-enrolled-keys=0");
        }

        var windows = node.Get("ostype") is { } os && os.StartsWith("win", StringComparison.Ordinal);
        if (windows != spec.IsWindows)
        {
            set("ostype", spec.IsWindows ? "win11" : "l26");
        }

        if (spec.IsWindows && node.Get("tpmstate0") is null)
        {
            set("tpmstate0", $"{spec.Storage}:1,version=v2.0");
        }
    }

    /// <summary>The disks <c>qm create</c> puts on the spec's storage: the system disk, and the EFI disk and TPM when there.</summary>
    public static IReadOnlyList<string> StorageDisks { get; } = ["scsi0", "efidisk0", "tpmstate0"];

    /// <summary>The storage of a disk option (<c>local-lvm:vm-200-disk-0,size=32G</c> → <c>local-lvm</c>); null for none.</summary>
    public static string? DiskStorage(string? drive) =>
        drive is not null && drive.IndexOf(':', StringComparison.Ordinal) is var colon and > 0 ? drive[..colon] : null;

    /// <summary>The size of a disk option in bytes (<c>size=32G</c>, <c>size=4M</c>, PVE's units K, M, G, T); null when not written.</summary>
    public static long? DiskBytes(string? drive)
    {
        if (PveProperty.Parse(drive).Get("size") is not { Length: > 0 } size)
        {
            return null;
        }

        var shift = char.ToUpperInvariant(size[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        var digits = shift == 0 ? size : size[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n << shift : null;
    }

    /// <summary>hostpci0 gives the spec's vGPU: same device (any written form), mapping, type and flags (PVE defaults: pcie 0, rombar 1).</summary>
    public static bool HostPciMatches(QmConfig node, GuestSpec spec, string? gpu)
    {
        if (node.HostPci.FirstOrDefault(h => h.Index == 0) is not { } hp)
        {
            return false;
        }

        var d = hp.Device;
        var target = spec.GpuMapping is not null
            ? d.Mapping == spec.GpuMapping
            : d.Mapping is null && (gpu is null || (d.HostAddresses.Length == 1 && GpuAddress.Same(d.HostAddresses[0].ToString(), gpu)));
        return target && d.Mdev == spec.MdevType && (d.Pcie ?? false) == spec.Pcie && (d.Rombar ?? true) == spec.Rombar;
    }

    /// <summary>
    /// What a create at <c>vmid</c> finds there. A VM with VgpuIac's tag is finished only when a create left it
    /// unfinished (<paramref name="creation"/> abandoned); one that another apply is creating, or made and handed to its
    /// state, is that apply's.
    /// </summary>
    public static ExistingVm Classify(GuestNodeState existing, string? replacing, string? plannedId, CreationStatus creation = CreationStatus.Abandoned)
    {
        ArgumentNullException.ThrowIfNull(existing);
        if (!existing.Exists)
        {
            return ExistingVm.None;
        }

        if (replacing is not null && plannedId is not null && string.Equals(replacing, plannedId, StringComparison.Ordinal))
        {
            return ExistingVm.BeingReplaced;
        }

        return !Tagged(existing.Config) ? ExistingVm.Stranger : creation switch
        {
            CreationStatus.Abandoned => ExistingVm.Ours,
            CreationStatus.InProgress => ExistingVm.BeingCreated,
            _ => ExistingVm.OtherState,
        };
    }

    public static bool Tagged(QmConfig? config) => Tags(config?.Get("tags")).Contains(D.OwnershipTag, StringComparer.Ordinal);

    /// <summary>PVE tags: stored <c>a;b</c>, accepted with <c>,</c> and spaces too.</summary>
    public static IReadOnlyList<string> Tags(string? tags) =>
        (tags ?? string.Empty).Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>
    /// The vGPU attributes whose planned value differs from <paramref name="prior"/> in meaning (a GPU address written
    /// another way is the same; an unknown value counts as a change).
    /// </summary>
    public static ImmutableArray<string> VgpuChanges(Value prior, Value planned)
    {
        ArgumentNullException.ThrowIfNull(prior);
        ArgumentNullException.ThrowIfNull(planned);
        var changed = ImmutableArray.CreateBuilder<string>();
        foreach (var a in new[] { D.MdevType, D.Gpu, D.GpuMapping, D.Pcie, D.Rombar })
        {
            var p = prior[a];
            var n = planned[a];
            var same = a == D.Gpu
                ? n.IsKnown && GpuAddress.Same(n.StringOrNull, p.StringOrNull)
                : n.IsKnown && n.Equals(p);
            if (!same)
            {
                changed.Add(a);
            }
        }

        return changed.ToImmutable();
    }

    /// <summary>
    /// Computed values of a plan: the ID, the mdev UUID and status from vmid, node and started; <c>gpu</c>,
    /// <c>mac_address</c> and <c>mdev_type</c> kept from <paramref name="prior"/> when the configuration leaves them to
    /// the node (a GPU address written another way keeps the prior's form: it is no change).
    /// </summary>
    public static Value PlanComputed(Value planned, Value config, Value? prior, string? defaultNode)
    {
        ArgumentNullException.ThrowIfNull(planned);
        ArgumentNullException.ThrowIfNull(config);
        if (planned[D.Vmid].IsKnown && !planned[D.Vmid].IsNull)
        {
            var vmid = planned[D.Vmid].AsInt64();
            planned = planned.With(D.MdevUuid, Value.String(MdevUuid(vmid)));
            if (planned[D.Node].IsKnown)
            {
                planned = planned.With(D.Id, Value.String($"{planned[D.Node].StringOrNull ?? defaultNode}/{vmid.ToString(CultureInfo.InvariantCulture)}"));
            }
        }

        if (planned[D.Started].IsKnown)
        {
            planned = planned.With(D.Status, Value.String(planned[D.Started].BoolOrNull == false ? "stopped" : "running"));
        }

        if (prior is null)
        {
            // the GPU is chosen and the MAC generated at apply; a mapping has no address
            return config[D.Gpu].IsNull && !config[D.GpuMapping].IsNull && config[D.GpuMapping].IsKnown ? planned.With(D.Gpu, Value.Null) : planned;
        }

        if (config[D.MacAddress].IsNull)
        {
            planned = planned.With(D.MacAddress, prior[D.MacAddress]);
        }

        if (!config[D.GpuMapping].IsNull)
        {
            planned = config[D.Gpu].IsNull ? planned.With(D.Gpu, config[D.GpuMapping].IsKnown ? Value.Null : Value.Unknown) : planned;
        }
        else if (config[D.Gpu].IsNull)
        {
            // the GPU in use stays unless the type changes (another GPU may then be chosen)
            var typeSame = config[D.MdevType].IsNull
                ? config[D.MdevTypeName].IsKnown && (config[D.MdevTypeName].Equals(prior[D.MdevTypeName]) || prior[D.MdevTypeName].IsNull)
                : config[D.MdevType].Equals(prior[D.MdevType]);
            planned = planned.With(D.Gpu, typeSame || prior[D.Gpu].IsNull ? prior[D.Gpu] : Value.Unknown);
        }

        if (config[D.MdevType].IsNull && config[D.MdevTypeName].IsKnown && config[D.MdevTypeName].Equals(prior[D.MdevTypeName]))
        {
            planned = planned.With(D.MdevType, prior[D.MdevType]);
        }

        return planned;
    }

    public static string MdevUuid(long vmid) => $"00000000-0000-0000-0000-{vmid.ToString("D12", CultureInfo.InvariantCulture)}";

    /// <summary>The detail of the "VM will be restarted" warning: which VM, why, and what stops.</summary>
    public static string RestartDetail(Value prior, Value planned, IReadOnlyList<string> changed)
    {
        ArgumentNullException.ThrowIfNull(prior);
        ArgumentNullException.ThrowIfNull(planned);
        string Show(Value v) => v.IsUnknown ? "(known after apply)" : v.IsNull ? "(none)" : v.Kind == ValueKind.String ? v.AsString() : v.ToString() ?? string.Empty;
        var reasons = string.Join(", ", changed.Select(a => $"{a} {Show(prior[a])} → {Show(planned[a])}"));
        return $"VM {Show(prior[D.Vmid])} (\"{Show(prior[D.Name])}\") on node \"{Show(prior[D.Node])}\" is running and its vGPU changes ({reasons}). " +
            "A vGPU changes only while the VM is off: the apply stops the VM (`qm stop`: the guest is powered off, like pulling the plug; " +
            "save its work or shut it down first), changes hostpci0, and starts it again. Nothing else on the node stops.";
    }

    public static string CpuType(string? cpu) => cpu is null ? PveDefaultCpu : PveProperty.Parse(cpu) is var p && (p.Get("cputype") ?? p.Get(string.Empty)) is { } t ? t : PveDefaultCpu;

    public static bool AgentEnabled(string? agent) => PveProperty.Parse(agent) is var p && (p.Get("enabled") ?? p.Get(string.Empty)) == "1";

    public static long Number(string? text, long fallback) => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : fallback;

    /// <summary><c>memory</c> is <c>4096</c> or (PVE 8) <c>current=4096</c>.</summary>
    public static long Memory(string? text) => Number(PveProperty.Parse(text) is var p ? p.Get("current") ?? p.Get(string.Empty) : null, PveDefaultMemoryMb);

    /// <summary>The ISO volume of a CD-ROM drive value (<c>local:iso/x.iso,media=cdrom</c>); null when it holds none.</summary>
    public static string? IsoOf(string? drive) => PveProperty.Parse(drive).Get(string.Empty) is { } v && v.Contains(":iso/", StringComparison.Ordinal) ? v : null;
}
