using System.Collections.Immutable;
using System.Text.RegularExpressions;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Parsing.Systemd;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Unlock.UnlockDefinition;

namespace VgpuIac.Engine.Unlock;

/// <summary>Pure validation and planning of <c>vgpu_unlock</c>: what to change, given what the node has.</summary>
internal static partial class UnlockPlanner
{
    /// <summary>The drop-in the provider writes for every service.</summary>
    public static string DropInContent(string libraryPath) => UnlockDropIn.Content(libraryPath);

    /// <summary>
    /// The library a node's drop-ins preload (the first <c>LD_PRELOAD</c> of the first unit that has a drop-in); null when
    /// there is no drop-in or it names no absolute path. Import uses it to find a library installed at a non-default path.
    /// </summary>
    public static string? PreloadedLibrary(UnlockNodeFacts facts)
    {
        foreach (var unit in D.Units)
        {
            if (!facts.DropIns.TryGetValue(unit, out var content))
            {
                continue;
            }

            foreach (var line in content.Split('\n'))
            {
                var trimmed = line.Trim();
                if (trimmed.StartsWith("Environment=", StringComparison.Ordinal)
                    && SystemdEnvironment.ToDictionary(trimmed["Environment=".Length..]).TryGetValue("LD_PRELOAD", out var preload)
                    && preload.Split([':', ' '], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() is { } path
                    && path.StartsWith('/'))
                {
                    return path;
                }
            }
        }

        return null;
    }

    /// <summary>Services that get a drop-in: those that exist, or both when none does yet (the host driver comes later).</summary>
    public static ImmutableArray<string> TargetUnits(UnlockNodeFacts facts) =>
        facts.ExistingUnits.IsEmpty ? [.. D.Units] : [.. D.Units.Where(facts.ExistingUnits.Contains)];

    /// <summary>True when the unit's loaded environment preloads <paramref name="libraryPath"/>.</summary>
    public static bool Preloads(UnlockNodeFacts facts, string unit, string libraryPath) =>
        facts.Environments.TryGetValue(unit, out var environment)
        && SystemdEnvironment.ToDictionary(environment).TryGetValue("LD_PRELOAD", out var preload)
        && preload.Split([':', ' '], StringSplitOptions.RemoveEmptyEntries).Contains(libraryPath, StringComparer.Ordinal);

    /// <summary>Every existing service preloads the library (false when no service exists).</summary>
    public static bool Effective(UnlockNodeFacts facts, string libraryPath) =>
        !facts.ExistingUnits.IsEmpty && facts.ExistingUnits.All(u => Preloads(facts, u, libraryPath));

    /// <summary>
    /// The changes that bring the node to <paramref name="spec"/>; empty when it is there already. Values are compared by
    /// meaning, not text: a hand-written drop-in with the same directives, a config.toml that leaves a key at
    /// vgpu_unlock-rs's default, keys in another order: all equal, so nothing is written and nothing restarts.
    /// </summary>
    public static ImmutableArray<UnlockStep> Steps(UnlockSpec spec, UnlockNodeFacts facts)
    {
        var steps = ImmutableArray.CreateBuilder<UnlockStep>();
        if (spec.LibrarySha256 is null || !string.Equals(facts.LibrarySha256, spec.LibrarySha256, StringComparison.Ordinal))
        {
            steps.Add(new UnlockStep(UnlockStepKind.InstallLibrary));
        }

        var dropIns = TargetUnits(facts).Where(u => !DropInEquivalent(facts, u, spec.LibraryPath)).ToList();

        // A missing config.toml means vgpu_unlock-rs's defaults: it is written when a value differs, or together with the
        // library or a drop-in (a first install), never on its own for values it would not change.
        var configDiffers = UnlockConfigToml.Effective(facts.ConfigToml) is not { } c || c.Unlock != spec.Unlock || c.UnlockMigration != spec.UnlockMigration;
        if (configDiffers || (facts.ConfigToml is null && (steps.Count > 0 || dropIns.Count > 0)))
        {
            steps.Add(new UnlockStep(UnlockStepKind.WriteConfig));
        }

        steps.AddRange(dropIns.Select(u => new UnlockStep(UnlockStepKind.WriteDropIn, u)));

        var reload = dropIns.Count > 0 || facts.ExistingUnits.Any(u => !Preloads(facts, u, spec.LibraryPath));
        if (reload)
        {
            steps.Add(new UnlockStep(UnlockStepKind.DaemonReload));
        }

        if (!facts.ExistingUnits.IsEmpty && steps.Count > 0)
        {
            steps.Add(new UnlockStep(UnlockStepKind.RestartServices));
        }

        // a file of ours that another owner or mode left writable (or unreadable) is repaired, unless a step rewrites it anyway
        var rewritten = steps.Select(s => s.Kind switch
        {
            UnlockStepKind.InstallLibrary => spec.LibraryPath,
            UnlockStepKind.WriteConfig => D.ConfigPath,
            UnlockStepKind.WriteDropIn => D.DropInPath(s.Unit!),
            _ => null,
        }).OfType<string>().ToHashSet(StringComparer.Ordinal);
        if (DriftedModes(spec.LibraryPath, facts).Any(d => !rewritten.Contains(d.Path)))
        {
            steps.Add(new UnlockStep(UnlockStepKind.RepairModes));
        }

        return steps.ToImmutable();
    }

    /// <summary>The files vgpu_unlock places, each with the mode it gets (owner root:root): the library 0755, config.toml and the drop-ins 0644.</summary>
    public static ImmutableArray<(string Path, int Mode)> OwnFiles(string libraryPath) =>
        [(libraryPath, RemoteFile.ExecutableMode), (D.ConfigPath, RemoteFile.ConfigMode), .. D.Units.Select(u => (D.DropInPath(u), RemoteFile.ConfigMode))];

    /// <summary>Files of ours on the node with another owner or mode than ours.</summary>
    public static ImmutableArray<(string Path, NodeFileMode Found, int Mode)> DriftedModes(string libraryPath, UnlockNodeFacts facts) =>
        NodeFileMode.Drifted(facts.FileModes, OwnFiles(libraryPath));

    /// <summary>True when the unit's drop-in exists and says what the provider would write (<see cref="UnlockDropIn.Equivalent"/>).</summary>
    public static bool DropInEquivalent(UnlockNodeFacts facts, string unit, string libraryPath) =>
        facts.DropIns.TryGetValue(unit, out var existing) && UnlockDropIn.Equivalent(existing, libraryPath);

    /// <summary>Why <paramref name="steps"/> restart the services, in words (empty when they do not restart them).</summary>
    public static ImmutableArray<string> RestartReasons(UnlockSpec spec, UnlockNodeFacts facts, ImmutableArray<UnlockStep> steps)
    {
        if (!steps.Any(s => s.Kind == UnlockStepKind.RestartServices))
        {
            return [];
        }

        var reasons = ImmutableArray.CreateBuilder<string>();
        if (steps.Any(s => s.Kind == UnlockStepKind.InstallLibrary))
        {
            reasons.Add(facts.LibrarySha256 is null ? $"{spec.LibraryPath} is installed" : $"{spec.LibraryPath} is replaced (SHA-256 {facts.LibrarySha256} on the node)");
        }

        var now = UnlockConfigToml.Effective(facts.ConfigToml);
        if (steps.Any(s => s.Kind == UnlockStepKind.WriteConfig) && now != (spec.Unlock, spec.UnlockMigration))
        {
            reasons.Add(now is { } c
                ? $"{D.ConfigPath} changes (unlock {Bool(c.Unlock)} -> {Bool(spec.Unlock)}, unlock_migration {Bool(c.UnlockMigration)} -> {Bool(spec.UnlockMigration)})"
                : $"{D.ConfigPath} is rewritten (its settings are not booleans vgpu_unlock-rs can read)");
        }

        var written = steps.Where(s => s.Kind == UnlockStepKind.WriteDropIn).Select(s => s.Unit!).ToList();
        if (written.Count > 0)
        {
            reasons.Add($"the {D.DropInName} drop-in of {string.Join(" and ", written)} is {(written.All(facts.DropIns.ContainsKey) ? "rewritten" : "added")}");
        }

        var notLoaded = facts.ExistingUnits.Where(u => !Preloads(facts, u, spec.LibraryPath) && !written.Contains(u)).ToList();
        if (notLoaded.Count > 0)
        {
            reasons.Add($"{string.Join(" and ", notLoaded)} {(notLoaded.Count == 1 ? "does" : "do")} not preload the library yet (systemctl daemon-reload was not run)");
        }

        return reasons.ToImmutable();
    }

    /// <summary>
    /// What a restart of the NVIDIA vGPU services means for the node's guests: a warning that names the resource, the reasons
    /// and what stops; an error when <c>nvidia-vgpu-mgr</c> would restart under running vGPU VMs and
    /// <paramref name="allowRunningVms"/> is false. <paramref name="verb"/> says when it happens ("apply", "destroy").
    /// </summary>
    public static IEnumerable<Diagnostic> RestartDiagnostics(
        string nodeName, IReadOnlyList<string> units, IReadOnlyList<string> reasons, IReadOnlyList<VmFacts> runningVgpuVms, bool allowRunningVms, string verb)
    {
        if (units.Count == 0)
        {
            yield break;
        }

        var path = AttributePath.Of(D.RestartWithRunningVms);
        var restarts = string.Join(" and ", units);
        var why = reasons.Count == 0 ? string.Empty : $" because {string.Join("; ", reasons)}";
        var manager = units.Contains("nvidia-vgpu-mgr.service", StringComparer.Ordinal);
        var vms = string.Join(", ", runningVgpuVms.Select(v => v.Name is null ? v.VmId.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{v.VmId} ({v.Name})"));
        if (manager && runningVgpuVms.Count > 0 && !allowRunningVms)
        {
            yield return Diagnostic.Error(
                "Unable to restart the NVIDIA vGPU services",
                $"vgpu_unlock on node \"{nodeName}\" would restart {restarts} on {verb}{why}. Running VMs hold vGPUs: {vms}. Restarting nvidia-vgpu-mgr under them breaks their vGPUs (the guests lose their GPU until they are restarted). " +
                $"Shut these VMs down first (qm shutdown <vmid>), or set restart_with_running_vms = true to restart anyway. Nothing was changed.",
                path);
            yield break;
        }

        var stops = manager
            ? runningVgpuVms.Count > 0
                ? $"nvidia-vgpu-mgr stops and starts again under the running vGPU VMs {vms} (restart_with_running_vms = true): their vGPUs break until each VM is restarted."
                : "No VM is using a vGPU now; while the services restart no vGPU VM can start."
            : "nvidia-vgpud stops and starts again (vGPU types are re-registered); running VMs keep their vGPUs.";
        yield return Diagnostic.Warning(
            "The NVIDIA vGPU services will be restarted",
            $"vgpu_unlock on node \"{nodeName}\" restarts {restarts} on {verb}{why}. {stops}",
            path);
    }

    private static string Bool(bool value) => value ? "true" : "false";

    /// <summary>Whether the GPUs on the node can use vgpu_unlock-rs: errors for GPUs it cannot unlock, warnings where it is not needed.</summary>
    public static IEnumerable<Diagnostic> CheckGpus(ImmutableArray<UnlockGpu> gpus, bool unlock)
    {
        var path = AttributePath.Of(D.Unlock);
        if (gpus.IsEmpty)
        {
            yield return Diagnostic.Warning(
                "No NVIDIA GPU found",
                "The node shows no NVIDIA display controller in /sys/bus/pci/devices. vgpu_unlock is installed anyway, but it only helps a consumer GPU (Maxwell 2.0, Pascal, Turing). Check that the GPU is seated and visible to the host (lspci -nn -d 10de:).",
                path);
            yield break;
        }

        var unlockable = gpus.Where(g => g.Model.Path == VgpuPath.Unlockable).ToList();
        foreach (var gpu in gpus.Where(g => g.Model.Path != VgpuPath.Unlockable))
        {
            switch (gpu.Model.Path)
            {
                case VgpuPath.Native:
                    yield return Diagnostic.Warning(
                        "GPU needs no unlock",
                        $"{gpu.Model.Name} ({gpu.PciAddress}) is a native vGPU card: the stock vGPU host driver offers its types without vgpu_unlock-rs." +
                        (unlock ? " If you load the library only for vgpu_profile_override, set unlock = false (PolloLoco's advice for native cards); otherwise remove this resource." : string.Empty),
                        path);
                    break;
                case VgpuPath.Sriov:
                    var sriov = $"{gpu.Model.Name} ({gpu.PciAddress}, {gpu.Model.Architecture}) gets vGPUs through SR-IOV virtual functions with the stock host driver and needs no unlock. Remove vgpu_unlock and use vgpu_host_driver alone.";
                    yield return unlock && unlockable.Count == 0
                        ? Diagnostic.Error("Unable to unlock vGPU", sriov, path)
                        : Diagnostic.Warning("GPU needs no unlock", sriov, path);
                    break;
                default:
                    var refused = $"{gpu.Model.Name} ({gpu.PciAddress}, PCI id 10de:{gpu.DeviceId}, {gpu.Model.Architecture}) cannot be unlocked: vgpu_unlock-rs works only on Maxwell 2.0 (not the GTX 970), Pascal and Turing consumer cards, and NVIDIA's Ampere and newer GeForce cards have no vGPU support at all. " +
                        "Use a vGPU-capable card instead (e.g. Tesla P4/P40/T4, or an SR-IOV card such as the A-series/L-series, which needs no unlock), or pass the whole GPU through to one VM.";
                    yield return unlock && unlockable.Count == 0
                        ? Diagnostic.Error("Unable to unlock vGPU", refused, path)
                        : Diagnostic.Warning("GPU cannot be unlocked", refused, path);
                    break;
            }
        }
    }

    /// <summary>Static checks of the configuration.</summary>
    public static IEnumerable<Diagnostic> Validate(Value config)
    {
        var url = config[D.LibraryUrl];
        var source = config[D.LibrarySource];
        var sha = config[D.LibrarySha256];
        if (url.IsNull && source.IsNull)
        {
            yield return Diagnostic.Error("Unable to install vgpu_unlock-rs", "Set library_url (with library_sha256) to download the library on the node, or library_source to upload a local file.", AttributePath.Of(D.LibraryUrl));
        }
        else if (!url.IsNull && !source.IsNull)
        {
            yield return Diagnostic.Error("Unable to install vgpu_unlock-rs", "library_url and library_source are both set. Set only one: the library comes either from a URL or from a local file.", AttributePath.Of(D.LibrarySource));
        }

        if (!url.IsNull && sha.IsNull)
        {
            yield return Diagnostic.Error("Missing library_sha256", "A downloaded library is only used after its SHA-256 matches: set library_sha256 (`sha256sum libvgpu_unlock_rs.so`).", AttributePath.Of(D.LibrarySha256));
        }

        if (url.StringOrNull is { } u && !UrlPattern().IsMatch(u))
        {
            yield return Diagnostic.Error("Invalid library_url", "Use an http:// or https:// URL without spaces or control characters.", AttributePath.Of(D.LibraryUrl));
        }

        if (sha.StringOrNull is { } s && !Sha256Pattern().IsMatch(s.Trim()))
        {
            yield return Diagnostic.Error("Invalid library_sha256", "Give the SHA-256 as 64 hex digits, as `sha256sum` prints it.", AttributePath.Of(D.LibrarySha256));
        }

        if (source.StringOrNull is { } local && (local.Trim().Length == 0 || local.Any(char.IsControl)))
        {
            yield return Diagnostic.Error("Invalid library_source", "Give the path of a local file.", AttributePath.Of(D.LibrarySource));
        }

        if (config[D.LibraryPath].StringOrNull is { } path && (!PathPattern().IsMatch(path) || path.Split('/').Any(p => p is "." or "..")))
        {
            yield return Diagnostic.Error("Invalid library_path", $"\"{(path.Length > 60 ? path[..57] + "..." : path)}\" is not a plain absolute path. Use letters, digits and . _ + - / only (it is written into a systemd Environment= line), e.g. {D.DefaultLibraryPath}.", AttributePath.Of(D.LibraryPath));
        }
    }

    /// <summary>
    /// The planned state: configured values and defaults; computed values kept from <paramref name="prior"/> when the node
    /// needs no change, unknown otherwise. <paramref name="librarySha256"/> is the checksum of <c>library_source</c> when used.
    /// </summary>
    public static PlanResult Plan(Value config, Value? prior, string nodeName, UnlockNodeFacts facts, string? librarySha256)
    {
        var definition = D.Definition;
        var planned = PlanDefaults.Prepare(definition, config, prior)
            .With(ProviderSchema.NodeAttribute.Name, Value.String(nodeName))
            .With(D.Id, Value.String(nodeName));
        if (config[D.LibrarySha256].IsNull)
        {
            planned = planned.With(D.LibrarySha256, librarySha256 is null ? Value.Unknown : Value.String(librarySha256));
        }

        // What the node reports changes only when a step runs; a settings-only change (e.g. another URL for the same
        // checksum) keeps the computed values.
        // A repair of owners and modes changes only file_modes, to what the plan can say.
        var spec = UnlockSpec.FromValue(planned);
        var changes = Steps(spec, facts).Where(s => s.Kind != UnlockStepKind.RepairModes).ToList();
        foreach (var computed in new[] { D.InstalledLibrarySha256, D.InstalledUnits, D.Effective, D.CreatedPaths })
        {
            planned = planned.With(computed, prior is not null && changes.Count == 0 ? prior[computed] : Value.Unknown);
        }

        planned = planned.With(NodeFileMode.AttributeName, prior is not null && changes.Count == 0 ? NodeFileMode.Planned(facts.FileModes, OwnFiles(spec.LibraryPath)) : Value.Unknown);

        planned = planned.With(D.Gpus, Value.FromStrings(facts.Gpus.Select(g => g.Describe())));
        return new PlanResult { Planned = planned, RequiresReplace = PlanDefaults.ReplacementPaths(definition, prior, planned) };
    }

    [GeneratedRegex(@"^https?://[^\s\x00-\x1f\x7f]+$", RegexOptions.CultureInvariant)]
    private static partial Regex UrlPattern();

    [GeneratedRegex("^[0-9a-fA-F]{64}$", RegexOptions.CultureInvariant)]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex(@"^/[A-Za-z0-9._+/-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();
}
