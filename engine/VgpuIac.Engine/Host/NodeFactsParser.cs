using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using VgpuIac.Engine.Parsing.Dkms;
using VgpuIac.Engine.Parsing.Mdev;
using VgpuIac.Engine.Parsing.NvidiaSmi;
using VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;
using VgpuIac.Engine.Parsing.Pci;
using VgpuIac.Engine.Parsing.Systemd;

namespace VgpuIac.Engine.Host;

/// <summary>
/// Pure parser of <see cref="NodeFactsProbe.Script"/> output into <see cref="NodeFacts"/>. Never throws on odd tool
/// output: what it cannot read becomes a <see cref="NodeFacts.ProbeWarnings"/> entry.
/// </summary>
internal static partial class NodeFactsParser
{
    private static readonly string[] ExpectedSections = ["uname", "lspci", "pci-sysfs", "lsmod", "unit-vgpu-mgr", "end"];

    public static NodeFacts Parse(string nodeName, string probeOutput)
    {
        ArgumentNullException.ThrowIfNull(nodeName);
        var sections = Split(probeOutput ?? string.Empty);
        var warnings = ImmutableArray.CreateBuilder<string>();
        foreach (var name in ExpectedSections.Where(n => !sections.ContainsKey(n)))
        {
            warnings.Add($"probe section '{name}' missing (output cut short?)");
        }

        ProbeSection S(string name) => sections.TryGetValue(name, out var s) ? s : new ProbeSection(name, -1, string.Empty);

        var running = S("uname").Lines.FirstOrDefault()?.Trim() ?? string.Empty;
        var (bootToolKernels, pinned) = ParseKernelList(S("kernel-list"));
        var (packages, packageKernels) = ParsePackages(S("packages"));
        var installedKernels = bootToolKernels.Concat(packageKernels)
            .Distinct(StringComparer.Ordinal)
            .Select(k => KernelVersion.TryParse(k))
            .OfType<KernelVersion>()
            .OrderBy(k => k)
            .Select(k => k.Text)
            .ToImmutableArray();
        var defaultKernel = pinned
            ?? installedKernels.Select(k => KernelVersion.TryParse(k)!).OrderByDescending(k => k).FirstOrDefault()?.Text
            ?? (running.Length > 0 ? running : null);

        var boot = ParseBoot(S("proc-cmdline"), S("etc-kernel-cmdline"), S("grub"), S("boot-mode"));
        var iommu = new IommuFacts
        {
            Units = [.. S("iommu-class").Lines.Select(l => l.Trim())],
            GroupCount = int.TryParse(S("iommu-groups").Lines.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) ? g : 0,
            KernelMessages = [.. S("dmesg-iommu").Lines],
            CpuVendor = ParseCpuVendor(S("cpu")),
        };

        var modules = S("lsmod").Lines
            .Select(l => l.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault())
            .Where(m => m is not null && m != "Module")
            .Select(m => m!)
            .ToImmutableSortedSet(StringComparer.Ordinal);

        var driverFiles = S("driver-files").Lines.Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
        var smi = S("nvidia-smi");
        var smiFirst = smi.Lines.FirstOrDefault()?.Trim();
        var smiVersion = smi.ExitCode == 0 && DriverVersion.TryParse(smiFirst) is not null ? smiFirst : null;
        var driver = new HostDriverFacts
        {
            SmiVersion = smiVersion,
            SmiError = smiVersion is null && smi.ExitCode is not (-1 or 127) && smi.Body.Length > 0 ? smi.Body.Trim() : null,
            LoadedModuleVersion = S("module-version").ExitCode == 0 && S("module-version").Lines.FirstOrDefault()?.Trim() is { Length: > 0 } mv ? mv : null,
            Dkms = [.. ParseDkms(S("dkms").Lines)],
            Marker = InstalledDriverMarker.Parse(S("driver-marker").DecodedFile()),
            HasVgpuManager = driverFiles.Contains("/usr/bin/nvidia-vgpu-mgr"),
            HasVgpuDaemon = driverFiles.Contains("/usr/bin/nvidia-vgpud"),
            HasUninstaller = driverFiles.Contains("/usr/bin/nvidia-uninstall"),
        };

        var mdevTypes = ParseMdevTypes(S("mdev-types"), warnings);
        var mdevSection = S("mdev-types");
        var mdevTypesError = mdevSection.ExitCode is not (0 or -1 or 127)
            ? $"exit code {mdevSection.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {(mdevSection.Body.Trim() is { Length: > 0 } said ? said[..Math.Min(said.Length, 600)] : "(no output)")}"
            : null;
        var vms = ParseVms(S("qm-list"), S("vm-hostpci"));
        var gpus = WithRunningVgpus(ParseGpus(S("lspci"), S("pci-sysfs"), S("sriov-types"), mdevTypes), S("nvidia-smi-vgpu"), vms, warnings);

        var dropIns = ImmutableSortedDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        if (S("dropin-vgpud").DecodedFile() is { } d1)
        {
            dropIns["/etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf"] = d1;
        }

        if (S("dropin-vgpu-mgr").DecodedFile() is { } d2)
        {
            dropIns["/etc/systemd/system/nvidia-vgpu-mgr.service.d/vgpu_unlock.conf"] = d2;
        }

        var unlock = new UnlockFacts
        {
            DropIns = dropIns.ToImmutable(),
            ConfigToml = S("unlock-config").DecodedFile(),
            LibrarySha256 = S("unlock-library").Lines.FirstOrDefault()?.Split(' ', 2)[0] is { Length: 64 } sha ? sha.ToLowerInvariant() : null,
            ProfileOverrideToml = S("profile-override").DecodedFile(),
        };

        var facts = new NodeFacts
        {
            NodeName = nodeName,
            Hostname = S("hostname").Lines.FirstOrDefault()?.Trim(),
            PveVersion = PveVersionPattern().Match(S("pveversion").Body) is { Success: true } pm ? pm.Groups["v"].Value : null,
            RunningKernel = running,
            DefaultKernel = defaultKernel,
            PinnedKernel = pinned,
            InstalledKernels = installedKernels,
            InstalledPackages = packages,
            Boot = boot,
            Iommu = iommu,
            SecureBoot = ParseSecureBoot(S("secure-boot")),
            Gpus = gpus,
            LoadedModules = modules,
            NouveauBlacklistFiles = [.. S("nouveau-blacklist").Lines.Select(l => l.Trim())],
            Driver = driver,
            VgpuDaemon = ParseUnit("nvidia-vgpud.service", S("unit-vgpud")),
            VgpuManager = ParseUnit("nvidia-vgpu-mgr.service", S("unit-vgpu-mgr")),
            LiveMdevs = [.. S("mdev-devices").Lines.Select(l => l.Split('\t')).Where(p => p.Length >= 1 && p[0].Length > 0)
                .Select(p => new LiveMdev(p[0], p.Length > 1 && p[1].Length > 0 ? p[1] : null, p.Length > 2 && p[2].Length > 0 ? p[2] : null))],
            Vms = vms,
            Unlock = unlock,
            ProbeWarnings = warnings.ToImmutable(),
            MdevTypesError = mdevTypesError,
            HostDriverFileModes = ParseFileModes(S("host-driver-file-modes")),
        };
        return facts with { RebootReasons = RebootReasons(facts, S("reboot-markers")) };
    }

    /// <summary>Lines <c>PATH\tMODE UID GID</c> (as <c>stat -c '%a %u %g'</c> prints them); other lines are skipped.</summary>
    private static ImmutableSortedDictionary<string, Remote.NodeFileMode> ParseFileModes(ProbeSection section)
    {
        var modes = ImmutableSortedDictionary.CreateBuilder<string, Remote.NodeFileMode>(StringComparer.Ordinal);
        foreach (var line in section.Lines)
        {
            Remote.NodeFileMode.Collect([Remote.NodeFileMode.ProbeTag, .. line.TrimEnd('\r').Split('\t')], modes);
        }

        return modes.ToImmutable();
    }

    private static Dictionary<string, ProbeSection> Split(string output)
    {
        var result = new Dictionary<string, ProbeSection>(StringComparer.Ordinal);
        string? name = null;
        var rc = 0;
        var body = new System.Text.StringBuilder();
        void Flush()
        {
            if (name is not null)
            {
                result[name] = new ProbeSection(name, rc, body.ToString().TrimEnd('\n'));
            }

            body.Clear();
        }

        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            var m = SectionPattern().Match(line);
            if (m.Success)
            {
                Flush();
                name = m.Groups["name"].Value;
                rc = int.Parse(m.Groups["rc"].Value, CultureInfo.InvariantCulture);
                continue;
            }

            if (name is not null)
            {
                body.Append(line).Append('\n');
            }
        }

        Flush();
        return result;
    }

    private static (ImmutableArray<string> Kernels, string? Pinned) ParseKernelList(ProbeSection section)
    {
        var kernels = ImmutableArray.CreateBuilder<string>();
        string? pinned = null;
        var inPinned = false;
        foreach (var line in section.Lines.Select(l => l.Trim()))
        {
            if (line.EndsWith(':'))
            {
                inPinned = line.StartsWith("Pinned kernel", StringComparison.OrdinalIgnoreCase);
                continue;
            }

            if (KernelVersion.TryParse(line) is null)
            {
                continue;
            }

            if (inPinned)
            {
                pinned ??= line;
            }
            else
            {
                kernels.Add(line);
            }
        }

        return (kernels.ToImmutable(), pinned);
    }

    private static (ImmutableSortedSet<string> Packages, ImmutableArray<string> Kernels) ParsePackages(ProbeSection section)
    {
        var packages = ImmutableSortedSet.CreateBuilder<string>(StringComparer.Ordinal);
        var kernels = ImmutableArray.CreateBuilder<string>();
        foreach (var line in section.Lines)
        {
            var parts = line.Split('\t');
            string status, name;
            if (parts.Length >= 2)
            {
                (status, name) = (parts[0].Trim(), parts[1].Trim());
            }
            else
            {
                (status, name) = ("ii", parts[0].Trim());
            }

            var installed = status.StartsWith("ii", StringComparison.Ordinal) || status.StartsWith("hi", StringComparison.Ordinal)
                || status.EndsWith(" installed", StringComparison.Ordinal) || status == "installed";
            if (!installed || name.Length == 0)
            {
                continue;
            }

            name = name.Split(':')[0];
            packages.Add(name);
            var km = KernelPackagePattern().Match(name);
            if (km.Success)
            {
                kernels.Add(km.Groups["k"].Value);
            }
        }

        return (packages.ToImmutable(), kernels.ToImmutable());
    }

    private static BootFacts ParseBoot(ProbeSection proc, ProbeSection kernelCmdline, ProbeSection grub, ProbeSection mode)
    {
        string? grubDefault = null;
        foreach (var line in grub.Lines)
        {
            var m = GrubPattern().Match(line);
            if (m.Success && m.Groups["k"].Value == "GRUB_CMDLINE_LINUX_DEFAULT")
            {
                grubDefault = m.Groups["v"].Value.Trim().Trim('"', '\'');
            }
        }

        var file = kernelCmdline.DecodedFile()?.Trim();
        var modes = mode.Lines.Select(l => l.Trim()).ToHashSet(StringComparer.Ordinal);
        return new BootFacts
        {
            ProcCmdline = proc.Lines.FirstOrDefault()?.Trim() ?? string.Empty,
            KernelCmdlineFile = file,
            GrubCmdlineDefault = grubDefault,
            Efi = modes.Contains("efi"),
            Loader = file is not null && (modes.Contains("proxmox-boot-uuids") || grubDefault is null) ? BootLoader.SystemdBoot : BootLoader.Grub,
        };
    }

    private static string? ParseCpuVendor(ProbeSection cpu)
    {
        var text = cpu.Body;
        return text.Contains("GenuineIntel", StringComparison.Ordinal) ? "intel"
            : text.Contains("AuthenticAMD", StringComparison.Ordinal) ? "amd"
            : null;
    }

    private static bool? ParseSecureBoot(ProbeSection section)
    {
        if (section.Body.Contains("SecureBoot enabled", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (section.Body.Contains("SecureBoot disabled", StringComparison.OrdinalIgnoreCase)
            || section.Body.Contains("EFI variables are not supported", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return null;
    }

    /// <summary>
    /// <c>dkms status</c> lines (new slash format and old comma format, with or without WARNING suffixes), read by
    /// <see cref="DkmsParser"/>; the status keeps its WARNING suffix as dkms printed it.
    /// </summary>
    public static IEnumerable<DkmsModule> ParseDkms(IEnumerable<string> lines) =>
        DkmsParser.ParseStatus(string.Join('\n', lines)).Value
            .Select(d => new DkmsModule(d.Module, d.Version, d.Kernel, d.Arch, d.Warning is null ? d.Status : $"{d.Status} ({d.Warning})"));

    /// <summary><c>systemctl show -p ...</c> of one unit, read by <see cref="SystemctlShowParser"/>.</summary>
    private static ServiceFacts ParseUnit(string unit, ProbeSection section)
    {
        var properties = SystemctlShowParser.Parse(section.Body).Value;
        string? V(string key) => properties.Get(key) is { Length: > 0 } v ? v : null;
        return new ServiceFacts
        {
            Unit = unit,
            LoadState = V("LoadState"),
            ActiveState = V("ActiveState"),
            SubState = V("SubState"),
            UnitFileState = V("UnitFileState"),
            Environment = V("Environment"),
            DropInPaths = V("DropInPaths"),
        };
    }

    private static ImmutableDictionary<string, ImmutableArray<VgpuType>> ParseMdevTypes(ProbeSection section, ImmutableArray<string>.Builder warnings)
    {
        var body = section.Body.Trim();
        if (section.ExitCode != 0 || body.Length == 0 || (body[0] != '[' && body[0] != '{'))
        {
            if (section.ExitCode is not (0 or -1 or 127) && body.Length > 0)
            {
                warnings.Add($"mdevctl types failed: {body[..Math.Min(body.Length, 200)]}");
            }

            return ImmutableDictionary<string, ImmutableArray<VgpuType>>.Empty;
        }

        var parsed = MdevctlTypesParser.ParseJson(body);
        foreach (var w in parsed.Warnings)
        {
            warnings.Add($"mdevctl types: {w}");
        }

        return parsed.Value
            .Where(t => t.Parent is not null)
            .GroupBy(t => NormalizeBdf(t.Parent!), StringComparer.OrdinalIgnoreCase)
            .ToImmutableDictionary(
                g => g.Key,
                g => g.Select(t => new VgpuType(t.Id, t.Name ?? string.Empty, t.Description ?? string.Empty, t.AvailableInstances ?? 0, t.Details?.MaxInstance, t.Details?.FramebufferMiB, t.DeviceApi ?? "vfio-pci"))
                    .OrderBy(t => t.Id, StringComparer.Ordinal).ToImmutableArray(),
                StringComparer.OrdinalIgnoreCase);
    }

    private sealed record PciRow(string Address, string DeviceId, string? SubVendor, string? SubDevice, string? Class, string? Driver, string? PhysFn, int? TotalVfs);

    private sealed record LspciEntry(string Address, string Description, string? ClassCode, string? DeviceId, string? Driver);

    private static string NormalizeBdf(string bdf) => (bdf.Count(c => c == ':') == 1 ? "0000:" + bdf : bdf).ToLowerInvariant();

    private static string Hex4(string? value) => (value ?? string.Empty).Trim().Replace("0x", string.Empty, StringComparison.OrdinalIgnoreCase).ToLowerInvariant();

    /// <summary><c>lspci -nnk</c> text (any indentation, stderr noise ignored), read by <see cref="LspciParser"/>.</summary>
    private static List<LspciEntry> ParseLspci(ProbeSection section) =>
        [.. LspciParser.Parse(section.Body).Value.Select(d => new LspciEntry(
            NormalizeBdf(d.AddressText),
            d.Description + (d.VendorId is null ? string.Empty : $" [{d.VendorId}:{d.DeviceId}]") + (d.Revision is null ? string.Empty : $" (rev {d.Revision})"),
            d.ClassId?.ToLowerInvariant(),
            d.DeviceId,
            d.KernelDriverInUse))];

    private static ImmutableArray<GpuFacts> ParseGpus(ProbeSection lspci, ProbeSection sysfs, ProbeSection sriov, ImmutableDictionary<string, ImmutableArray<VgpuType>> mdevTypes)
    {
        // a device listed twice (a garbled or repeated listing) keeps its first entry
        var lspciEntries = new Dictionary<string, LspciEntry>(StringComparer.OrdinalIgnoreCase);
        foreach (var entry in ParseLspci(lspci))
        {
            lspciEntries.TryAdd(entry.Address, entry);
        }

        var rows = new List<PciRow>();
        foreach (var line in sysfs.Lines)
        {
            var p = line.Split('\t');
            if (p.Length < 3 || p[0].Length == 0)
            {
                continue;
            }

            string? F(int i) => p.Length > i && p[i].Trim().Length > 0 ? p[i].Trim() : null;
            rows.Add(new PciRow(
                NormalizeBdf(p[0]),
                Hex4(p[2]),
                F(3) is { } sv ? Hex4(sv) : null,
                F(4) is { } sd ? Hex4(sd) : null,
                F(5)?.ToLowerInvariant(),
                F(6),
                F(7) is { } pf ? NormalizeBdf(pf) : null,
                int.TryParse(F(8), NumberStyles.Integer, CultureInfo.InvariantCulture, out var vfs) ? vfs : null));
        }

        if (rows.Count == 0)
        {
            rows.AddRange(lspciEntries.Values.Where(e => e.DeviceId is not null)
                .Select(e => new PciRow(e.Address, e.DeviceId!, null, null, e.ClassCode is { } c ? "0x" + c + "00" : null, e.Driver, null, null)));
        }

        var sriovTypes = ParseSriovTypes(sriov, rows);
        var gpus = new List<GpuFacts>();
        foreach (var row in rows)
        {
            lspciEntries.TryGetValue(row.Address, out var entry);
            var classCode = row.Class?.Replace("0x", string.Empty, StringComparison.Ordinal) ?? entry?.ClassCode;
            if (classCode is not null && !classCode.StartsWith("03", StringComparison.Ordinal))
            {
                continue;
            }

            var model = GpuCatalog.Classify(row.DeviceId, entry?.Description);
            var types = mdevTypes.TryGetValue(row.Address, out var t) ? t
                : sriovTypes.TryGetValue(row.Address, out var st) ? st
                : [];
            gpus.Add(new GpuFacts
            {
                PciAddress = row.Address,
                DeviceId = row.DeviceId,
                SubsystemVendorId = row.SubVendor,
                SubsystemDeviceId = row.SubDevice,
                Model = model,
                DriverInUse = row.Driver ?? entry?.Driver,
                LspciDescription = entry?.Description,
                PhysicalFunction = row.PhysFn,
                SriovTotalVfs = row.TotalVfs is > 0 ? row.TotalVfs : null,
                VgpuTypes = types,
            });
        }

        return [.. gpus.OrderBy(g => g.IsVirtualFunction).ThenBy(g => g.PciAddress, StringComparer.Ordinal)];
    }

    /// <summary>
    /// <paramref name="facts"/> with the running vGPUs of <see cref="NodeFactsProbe.RunningVgpusScript"/>'s output put on their GPUs
    /// (the VMs' names come from the facts' <c>qm list</c>); a cut or missing listing becomes a probe warning.
    /// </summary>
    public static NodeFacts WithRunningVgpus(NodeFacts facts, string listingOutput)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var sections = Split(listingOutput ?? string.Empty);
        var warnings = ImmutableArray.CreateBuilder<string>();
        if (!sections.TryGetValue("nvidia-smi-vgpu", out var section) || !sections.ContainsKey("end"))
        {
            warnings.Add("nvidia-smi vgpu -q: the listing of running vGPUs was cut short");
            section ??= new ProbeSection("nvidia-smi-vgpu", -1, string.Empty);
        }

        var gpus = WithRunningVgpus(facts.Gpus, section, facts.Vms, warnings);
        return facts with { Gpus = gpus, ProbeWarnings = facts.ProbeWarnings.AddRange(warnings) };
    }

    /// <summary>
    /// The running vGPUs of <c>nvidia-smi vgpu -q</c> (read by <see cref="NvidiaSmiVgpuQueryParser"/>), put on the GPU
    /// whose bus id heads their block. Output that was cut becomes a probe warning; a failed nvidia-smi (no driver) means none.
    /// </summary>
    private static ImmutableArray<GpuFacts> WithRunningVgpus(ImmutableArray<GpuFacts> gpus, ProbeSection section, ImmutableArray<VmFacts> vms, ImmutableArray<string>.Builder warnings)
    {
        if (section.ExitCode != 0 || section.Body.Trim().Length == 0)
        {
            return gpus;
        }

        var parsed = NvidiaSmiVgpuQueryParser.Parse(section.Body);
        if (parsed.Truncated)
        {
            warnings.Add($"nvidia-smi vgpu -q: {string.Join("; ", parsed.Warnings)}");
        }

        var byName = vms.Where(v => v.Name is not null).GroupBy(v => v.Name!, StringComparer.Ordinal)
            .Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().VmId, StringComparer.Ordinal);
        var byGpu = parsed.Value.Where(g => g.Address is not null)
            .GroupBy(g => g.Address!.ToString(), StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.SelectMany(x => x.Vgpus).Select(v => Running(v, byName)).ToImmutableArray(), StringComparer.OrdinalIgnoreCase);
        return [.. gpus.Select(g => byGpu.TryGetValue(g.PciAddress, out var running) ? g with { RunningVgpus = running } : g)];
    }

    private static RunningVgpu Running(ActiveVgpu v, Dictionary<string, int> vmIdByName)
    {
        var name = v.VmDisplayName;
        var vmId = VmIdOfMdev(v.MdevUuid) ?? (name is not null && vmIdByName.TryGetValue(name, out var id) ? id : null);
        return new RunningVgpu
        {
            VgpuId = v.VgpuId,
            VmId = vmId,
            VmName = name,
            TypeId = v.VgpuTypeId is { } t ? "nvidia-" + t.ToString(CultureInfo.InvariantCulture) : null,
            TypeName = v.VgpuName,
            MdevUuid = v.MdevUuid,
            VgpuUuid = v.VgpuUuid,
            GuestDriverVersion = v.GuestDriverVersion is null or "N/A" ? null : v.GuestDriverVersion,
            LicenceStatus = v.LicenceStatus?.Text,
            Licensed = v.LicenceStatus?.State == LicenceState.Licensed,
        };
    }

    /// <summary>The VMID in an mdev UUID PVE generated (<c>%08d-0000-0000-0000-%012d</c>); null for any other UUID.</summary>
    internal static int? VmIdOfMdev(string? uuid)
    {
        var m = uuid is null ? null : PveMdevUuidPattern().Match(uuid);
        return m is { Success: true } && int.TryParse(m.Groups["vmid"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id > 0 ? id : null;
    }

    /// <summary>SR-IOV VFs' creatable types, folded onto their PF: available = free VFs offering the type.</summary>
    private static Dictionary<string, ImmutableArray<VgpuType>> ParseSriovTypes(ProbeSection section, List<PciRow> rows)
    {
        var perPf = new Dictionary<string, Dictionary<string, (string Name, long Free)>>(StringComparer.OrdinalIgnoreCase);
        string? pf = null;
        var free = false;
        foreach (var line in section.Lines)
        {
            if (line.StartsWith("@@ ", StringComparison.Ordinal))
            {
                var p = line[3..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var vf = NormalizeBdf(p[0]);
                pf = rows.FirstOrDefault(r => r.Address == vf)?.PhysFn ?? vf;
                free = p.Length < 2 || p[1] == "0";
                continue;
            }

            var m = SriovTypePattern().Match(line);
            if (pf is null || !m.Success)
            {
                continue;
            }

            var types = perPf.TryGetValue(pf, out var x) ? x : perPf[pf] = new Dictionary<string, (string, long)>(StringComparer.Ordinal);
            var id = "nvidia-" + m.Groups["id"].Value;
            var previous = types.TryGetValue(id, out var prev) ? prev.Free : 0;
            types[id] = (m.Groups["name"].Value.Trim(), previous + (free ? 1 : 0));
        }

        return perPf.ToDictionary(
            kv => kv.Key,
            kv => kv.Value.Select(t => new VgpuType(t.Key, t.Value.Name, string.Empty, t.Value.Free, null, SizeFromTypeName(t.Value.Name)))
                .OrderBy(t => t.Id, StringComparer.Ordinal).ToImmutableArray(),
            StringComparer.OrdinalIgnoreCase);
    }

    private static long? SizeFromTypeName(string name)
    {
        var m = TypeSizePattern().Match(name);
        return m.Success && long.TryParse(m.Groups["g"].Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var g) ? g * 1024 : null;
    }

    private static ImmutableArray<VmFacts> ParseVms(ProbeSection qmList, ProbeSection hostpci)
    {
        var vms = new SortedDictionary<int, VmFacts>();
        foreach (var line in qmList.Lines)
        {
            var p = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (p.Length >= 3 && int.TryParse(p[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
            {
                vms[id] = new VmFacts { VmId = id, Name = p[1], Status = p[2] };
            }
        }

        foreach (var line in hostpci.Lines)
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab <= 0 || !int.TryParse(line[..tab], NumberStyles.Integer, CultureInfo.InvariantCulture, out var id))
            {
                continue;
            }

            var entry = line[(tab + 1)..];
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var value = entry[(colon + 1)..].Trim();
            var mdev = MdevOptionPattern().Match(value);
            var pci = new VmHostPci(entry[..colon].Trim(), value, mdev.Success ? mdev.Groups["t"].Value : null);
            var vm = vms.TryGetValue(id, out var existing) ? existing : new VmFacts { VmId = id };
            vms[id] = vm with { HostPci = vm.HostPci.Add(pci) };
        }

        return [.. vms.Values];
    }

    private static ImmutableArray<string> RebootReasons(NodeFacts facts, ProbeSection markers)
    {
        var reasons = ImmutableArray.CreateBuilder<string>();
        foreach (var line in markers.Lines)
        {
            reasons.Add(line.Trim());
        }

        if (facts.NouveauLoaded && facts.NouveauBlacklisted)
        {
            reasons.Add("nouveau is blacklisted but still loaded");
        }

        if (facts.Driver.InstalledVersion is { } v && facts.Driver.LoadedModuleVersion is { } loaded && !string.Equals(v, loaded, StringComparison.Ordinal))
        {
            reasons.Add($"host driver {v} installed but {loaded} is loaded");
        }

        if (facts.PinnedKernel is { } pinned && facts.RunningKernel.Length > 0 && !string.Equals(pinned, facts.RunningKernel, StringComparison.Ordinal))
        {
            reasons.Add($"kernel {pinned} is pinned but {facts.RunningKernel} is running");
        }

        if (!facts.Iommu.Enabled && facts.Boot.NextBootCmdline is { } next && IommuOnPattern().IsMatch(next) && !IommuOnPattern().IsMatch(facts.Boot.ProcCmdline))
        {
            reasons.Add("IOMMU is enabled on the kernel command line of the next boot");
        }

        return [.. reasons.Distinct(StringComparer.Ordinal)];
    }

    [GeneratedRegex(@"^### (?<name>[a-z0-9-]+) rc=(?<rc>-?\d+)$")]
    private static partial Regex SectionPattern();

    [GeneratedRegex(@"pve-manager/(?<v>\d+\.\d+(?:\.\d+)?)")]
    private static partial Regex PveVersionPattern();

    [GeneratedRegex(@"^(?:proxmox|pve)-kernel-(?<k>\d+\.\d+\.\d+-\d+-pve)(?:-signed)?$")]
    private static partial Regex KernelPackagePattern();

    [GeneratedRegex(@"^(?<k>GRUB_CMDLINE_LINUX(?:_DEFAULT)?)=(?<v>.*)$")]
    private static partial Regex GrubPattern();

    [GeneratedRegex(@"^\s*(?<id>\d+)\s*:\s*(?<name>.+)$")]
    private static partial Regex SriovTypePattern();

    [GeneratedRegex(@"-(?<g>\d+)[A-Z]$")]
    private static partial Regex TypeSizePattern();

    [GeneratedRegex(@"(?:^|,)mdev=(?<t>[^,\s]+)")]
    private static partial Regex MdevOptionPattern();

    [GeneratedRegex(@"^\d{8}-0000-0000-0000-(?<vmid>\d{12})$")]
    private static partial Regex PveMdevUuidPattern();

    [GeneratedRegex(@"(?:^|\s)(?:intel_iommu|amd_iommu)=on(?:\s|$)")]
    private static partial Regex IommuOnPattern();
}
