using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Guests;

/// <summary><c>vgpu_guest</c>: plan, apply, read, import and delete a vGPU VM and its guest setup.</summary>
public sealed class GuestResource : IResource
{
    private const string DriverPathInGuest = "/root/nvidia-grid-driver.run";

    /// <summary>Attributes applied with <c>qm set</c>; a change of the vGPU needs a VM restart.</summary>
    private static readonly string[] VgpuAttributes = ["mdev_type", "mdev_type_name", "gpu", "gpu_mapping", "pcie", "rombar"];

    public ResourceDefinition Definition => GuestDefinition.Definition;

    public IEnumerable<Diagnostic> Validate(Value config)
    {
        foreach (var d in AttributeValidation.Run(Definition, config))
        {
            yield return d;
        }

        var type = config["mdev_type"];
        var typeName = config["mdev_type_name"];
        if (type.IsNull && typeName.IsNull)
        {
            yield return Diagnostic.Error("Missing vGPU type", "Set `mdev_type` (e.g. \"nvidia-46\") or `mdev_type_name` (e.g. \"GRID P40-1Q\"); the vgpu_node data source lists the types of each GPU.", AttributePath.Of("mdev_type"));
        }
        else if (!type.IsNull && !typeName.IsNull)
        {
            yield return Diagnostic.Error("Conflicting vGPU type", "Set only one of `mdev_type` and `mdev_type_name`.", AttributePath.Of("mdev_type_name"));
        }

        if (!config["gpu"].IsNull && !config["gpu_mapping"].IsNull)
        {
            yield return Diagnostic.Error("Conflicting GPU selection", "Set `gpu` or `gpu_mapping`, not both: PVE takes either a PCI address or a resource mapping.", AttributePath.Of("gpu_mapping"));
        }

        var machine = config["machine"].StringOrNull ?? (config["machine"].IsUnknown ? null : "q35");
        if (machine is not null && config["pcie"].BoolOrNull != false && !machine.Contains("q35", StringComparison.Ordinal))
        {
            yield return Diagnostic.Error("PCIe needs a q35 machine", $"machine \"{machine}\" is not q35: PVE refuses `pcie=1` there (\"q35 machine model is not enabled\"). Use machine = \"q35\" or set pcie = false.", AttributePath.Of("pcie"));
        }

        if (config["bios"].StringOrNull == "seabios" && machine is not null && machine.Contains("q35", StringComparison.Ordinal) && !IsQ35AtMost72(machine))
        {
            yield return Diagnostic.Warning("SeaBIOS with a recent q35 machine",
                "The community tutorial reports that guests with SeaBIOS only license when the machine is q35 7.2 or older (this is unverified). Use bios = \"ovmf\", or pin machine = \"pc-q35-7.2\".",
                AttributePath.Of("machine"));
        }

        if (!config["guest_driver_url"].IsNull && !config["guest_driver_source"].IsNull)
        {
            yield return Diagnostic.Error("Conflicting guest driver sources", "Set `guest_driver_url` or `guest_driver_source`, not both.", AttributePath.Of("guest_driver_source"));
        }

        var windows = config["os"].StringOrNull == "windows";
        if ((!config["guest_driver_url"].IsNull || !config["guest_driver_source"].IsNull) && config["guest_driver_sha256"].IsNull)
        {
            yield return Diagnostic.Error("Missing guest driver checksum", windows
                ? "Set `guest_driver_sha256` (`certutil -hashfile <ver>_grid_win10_win11_..._international.exe SHA256`, or `sha256sum` of the file): the installer is checked inside the guest before it runs."
                : "Set `guest_driver_sha256` (`sha256sum NVIDIA-Linux-x86_64-<ver>-grid.run`): the installer is checked before it runs.", AttributePath.Of("guest_driver_sha256"));
        }

        // a Linux .run in a Windows guest (or a Windows .exe in a Linux guest) would only fail inside the guest
        var installerPath = AttributePath.Of(config["guest_driver_source"].IsNull ? "guest_driver_url" : "guest_driver_source");
        if ((config["guest_driver_source"].StringOrNull ?? config["guest_driver_url"].StringOrNull) is { } installerName)
        {
            var looksWindows = installerName.EndsWith(".exe", StringComparison.OrdinalIgnoreCase);
            var looksLinux = installerName.EndsWith(".run", StringComparison.OrdinalIgnoreCase) || installerName.Contains("NVIDIA-Linux-", StringComparison.Ordinal);
            if (windows && looksLinux)
            {
                yield return Diagnostic.Error("Linux guest driver for a Windows guest", "os is \"windows\": use the Windows guest driver of the vGPU release (<ver>_grid_win10_win11_..._international.exe), not the Linux .run.", installerPath);
            }
            else if (!windows && looksWindows && config["os"].IsKnown)
            {
                yield return Diagnostic.Error("Windows guest driver for a Linux guest", "os is \"linux\": use the Linux guest driver of the vGPU release (NVIDIA-Linux-x86_64-<ver>-grid.run), or set os = \"windows\".", installerPath);
            }
        }

        foreach (var d in ValidateGuestSsh(config, windows))
        {
            yield return d;
        }

        if (config["guest_setup"].StringOrNull == "agent" && config["agent"].BoolOrNull == false && config["guest_ssh_host"].IsNull
            && (!config["guest_driver_url"].IsNull || !config["guest_driver_source"].IsNull || !config["license_token"].IsNull))
        {
            yield return Diagnostic.Error("Guest setup needs the guest agent", "guest_setup = \"agent\" installs the driver and licence through the QEMU guest agent: set agent = true, or set guest_ssh_host (and its key settings) to set the guest up over SSH.", AttributePath.Of("agent"));
        }

        if (config["host_driver_version"].StringOrNull is { } host && GuestSpec.From(config).DriverVersionFromName is { } guest && !DriverPairing.SameRelease(host, guest, windows))
        {
            yield return Diagnostic.Error("Guest driver does not match the host driver",
                $"The guest driver {guest} is not from the same vGPU release as the host driver {host} ({DriverPairing.Describe(host, windows)}). Use the guest driver of the same release.",
                AttributePath.Of(config["guest_driver_source"].IsNull ? "guest_driver_url" : "guest_driver_source"));
        }
    }

    /// <summary>guest_ssh_*: a host with a pinned host key and one private key; Linux guests only.</summary>
    private static IEnumerable<Diagnostic> ValidateGuestSsh(Value config, bool windows)
    {
        var others = new[] { "guest_ssh_port", "guest_ssh_user", "guest_ssh_private_key", "guest_ssh_private_key_file", "guest_ssh_host_key_sha256" };
        if (config["guest_ssh_host"].IsNull)
        {
            foreach (var name in others.Where(n => !config[n].IsNull))
            {
                yield return Diagnostic.Error("Missing guest_ssh_host", $"{name} is set but guest_ssh_host is not: set the guest's address (or remove the guest_ssh_* settings to use the QEMU guest agent).", AttributePath.Of("guest_ssh_host"));
                yield break;
            }

            yield break;
        }

        if (windows)
        {
            yield return Diagnostic.Error("Windows guests are set up through the guest agent",
                "guest_ssh_* is for Linux guests; a Windows guest (os = \"windows\") is set up through the QEMU guest agent. Remove guest_ssh_host.", AttributePath.Of("guest_ssh_host"));
        }

        var fingerprint = config["guest_ssh_host_key_sha256"];
        if (fingerprint.IsNull)
        {
            yield return Diagnostic.Error("Missing guest host key",
                "Set guest_ssh_host_key_sha256 to the SHA-256 fingerprint of the guest's SSH host key (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` on the guest's console prints SHA256:...). Host keys are never trusted on first use.",
                AttributePath.Of("guest_ssh_host_key_sha256"));
        }
        else if (fingerprint.StringOrNull is { } text && Nodes.HostKeyFingerprint.Normalize(text) is null)
        {
            yield return Diagnostic.Error("Invalid guest host key fingerprint",
                $"\"{text}\" is not a SHA-256 fingerprint: use the SHA256:... value `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints (43 base64 characters).",
                AttributePath.Of("guest_ssh_host_key_sha256"));
        }

        if (config["guest_ssh_private_key"].IsNull && config["guest_ssh_private_key_file"].IsNull)
        {
            yield return Diagnostic.Error("Missing guest SSH key", "Set guest_ssh_private_key or guest_ssh_private_key_file: the key VgpuIac logs into the guest with.", AttributePath.Of("guest_ssh_private_key"));
        }
        else if (!config["guest_ssh_private_key"].IsNull && !config["guest_ssh_private_key_file"].IsNull)
        {
            yield return Diagnostic.Error("Conflicting guest SSH keys", "Set guest_ssh_private_key or guest_ssh_private_key_file, not both.", AttributePath.Of("guest_ssh_private_key_file"));
        }
    }

    private static bool IsQ35AtMost72(string machine)
    {
        var m = System.Text.RegularExpressions.Regex.Match(machine, @"pc-q35-([0-9]+)\.([0-9]+)", System.Text.RegularExpressions.RegexOptions.None, TimeSpan.FromMilliseconds(100));
        return m.Success && (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)) is var (major, minor) && (major < 7 || (major == 7 && minor <= 2));
    }

    public async Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        if (request.ProposedNewState is null)
        {
            return new PlanResult();
        }

        var diagnostics = new DiagnosticBag();
        var prior = request.Prior;
        var planned = PlanDefaults.Prepare(Definition, request.Config, prior);
        if (planned["vmid"].IsKnown && !planned["vmid"].IsNull)
        {
            var vmid = planned["vmid"].AsInt64();
            planned = planned.With("mdev_uuid", Value.String($"00000000-0000-0000-0000-{vmid.ToString("D12", CultureInfo.InvariantCulture)}"));
            if (planned["node"].IsKnown)
            {
                planned = planned.With("id", Value.String($"{planned["node"].StringOrNull ?? request.Context.Nodes.NodeNames.FirstOrDefault()}/{vmid}"));
            }
        }

        if (planned["started"].IsKnown)
        {
            planned = planned.With("status", Value.String(planned["started"].BoolOrNull == false ? "stopped" : "running"));
        }

        var typeChanged = prior is null || VgpuAttributes.Any(a => !request.Config[a].IsNull && !request.Config[a].Equals(prior[a]))
            || (request.Config["mdev_type"].IsNull && request.Config["mdev_type_name"].IsNull is false && !Equals(request.Config["mdev_type_name"], prior["mdev_type_name"]));
        if (request.Config["mdev_type"].IsNull && prior is not null && !typeChanged)
        {
            planned = planned.With("mdev_type", prior["mdev_type"]);
        }

        var vgpuKnown = VgpuAttributes.All(a => planned[a].IsKnown || (a == "mdev_type" && request.Config["mdev_type"].IsNull)) && planned["node"].IsKnown && planned["vmid"].IsKnown;

        // When the host driver is installed by the same apply (host_driver_version is not known yet), the node cannot
        // list its vGPU types now: the checks run at apply time instead.
        var driverPending = request.Config["host_driver_version"].IsUnknown;
        if (typeChanged && vgpuKnown && !driverPending)
        {
            await NodeCall.RunAsync(request.Context, planned, "plan the vGPU guest", diagnostics, async shell =>
            {
                var facts = await NodeFactsCache.Shared.GetAsync(shell, request.Context.Time, cancellationToken).ConfigureAwait(false);
                var spec = GuestSpec.From(planned);
                if (!facts.AllVgpuTypes.Any())
                {
                    // No driver yet (typically vgpu_host_driver is applied in the same run): check at apply time.
                    diagnostics.Warning("vGPU type checked at apply time",
                        $"The node lists no vGPU types yet (no host driver loaded), so \"{spec.MdevType ?? spec.MdevTypeName}\" is checked when the VM is created. Make this resource depend on vgpu_host_driver (e.g. host_driver_version = vgpu_host_driver.<name>.installed_version).",
                        AttributePath.Of(spec.MdevType is not null ? "mdev_type" : "mdev_type_name"));
                }

                var selection = facts.AllVgpuTypes.Any() ? SelectGpu(facts, spec, prior, diagnostics) : null;
                if (selection is { } sel)
                {
                    planned = planned.With("mdev_type", Value.String(sel.Type.Id));
                }

                if (prior is null)
                {
                    var existing = await ReadNodeAsync(shell, spec, cancellationToken).ConfigureAwait(false);
                    if (existing.Exists)
                    {
                        diagnostics.Add(Diagnostic.Error("Unable to create the VM", $"VM {spec.Vmid} already exists on the node. Choose a free vmid, or bring the existing VM under management.", AttributePath.Of("vmid"))
                            with { Import = new ImportHint(Definition, planned["id"].StringOrNull ?? "<node>/" + spec.VmidText) });
                    }
                }

                return true;
            }).ConfigureAwait(false);
        }

        // Licence and driver: what the guest will say is known only after apply when they change.
        if (prior is not null)
        {
            var tokenChanged = !request.Config["license_token"].Equals(prior["license_token"]);
            var driverChanged = !request.Config["guest_driver_sha256"].Equals(prior["guest_driver_sha256"]);
            var restart = typeChanged || tokenChanged || driverChanged;
            if (!restart)
            {
                foreach (var computed in new[] { "license_status", "guest_driver_version", "ip_addresses", "mdev_uuid" })
                {
                    planned = planned.With(computed, prior[computed]);
                }
            }
            else
            {
                if (typeChanged && prior["status"].StringOrNull == "running")
                {
                    diagnostics.Warning("The VM will be restarted", "Changing the vGPU takes effect when the VM starts again: VgpuIac stops and starts it during apply.", AttributePath.Of("mdev_type"));
                }

                planned = planned.With("license_status", Value.Unknown).With("guest_driver_version", driverChanged ? Value.Unknown : prior["guest_driver_version"]);
            }
        }

        return new PlanResult
        {
            Planned = planned,
            RequiresReplace = PlanDefaults.ReplacementPaths(Definition, prior, planned),
            Diagnostics = diagnostics.ToImmutable(),
        };
    }

    /// <summary>Finds the GPU and type for the spec; reports a missing type, no free instance or a GPU locked to another type.</summary>
    private static (GpuFacts Gpu, VgpuType Type)? SelectGpu(NodeFacts facts, GuestSpec spec, Value? prior, DiagnosticBag diagnostics)
    {
        var path = AttributePath.Of(spec.MdevType is not null ? "mdev_type" : "mdev_type_name");
        var gpus = spec.Gpu is not null ? facts.Gpus.Where(g => g.PciAddress.EndsWith(spec.Gpu, StringComparison.OrdinalIgnoreCase)).ToList() : facts.Gpus.ToList();
        if (spec.Gpu is not null && gpus.Count == 0)
        {
            diagnostics.Error("Unable to find the GPU", $"The node has no GPU at {spec.Gpu}. GPUs found: {string.Join(", ", facts.Gpus.Select(g => $"{g.PciAddress} ({g.Name})"))}.", AttributePath.Of("gpu"));
            return null;
        }

        bool Matches(VgpuType t) => spec.MdevType is not null ? t.Id == spec.MdevType : string.Equals(t.Name, spec.MdevTypeName, StringComparison.OrdinalIgnoreCase);
        var offering = gpus.SelectMany(g => g.VgpuTypes.Where(Matches).Select(t => (Gpu: g, Type: t))).ToList();
        var wanted = spec.MdevType ?? spec.MdevTypeName;
        if (offering.Count == 0)
        {
            var known = gpus.SelectMany(g => g.VgpuTypes).Select(t => $"{t.Id} ({t.Name})").Distinct().Take(12).ToList();
            diagnostics.Error("Unable to find the vGPU type", known.Count == 0
                ? $"The node lists no vGPU types at all, so \"{wanted}\" cannot be used. Install the host driver (vgpu_host_driver) and, for a consumer GPU, vgpu_unlock; `mdevctl types` must list the types."
                : $"No GPU{(spec.Gpu is null ? string.Empty : " at " + spec.Gpu)} offers the type \"{wanted}\". Types on this node: {string.Join(", ", known)}.", path);
            return null;
        }

        var mine = prior?["mdev_type"].StringOrNull;
        var free = offering.FirstOrDefault(o => o.Type.AvailableInstances > 0 || o.Type.Id == mine);
        if (free.Gpu is not null)
        {
            return free;
        }

        var first = offering[0];
        var active = facts.LiveMdevs.Where(m => string.Equals(m.Parent, first.Gpu.PciAddress, StringComparison.OrdinalIgnoreCase)).Select(m => m.TypeId).Distinct().ToList();
        var other = active.Where(t => t != first.Type.Id).ToList();
        diagnostics.Error("No free vGPU instance", other.Count > 0
            ? $"GPU {first.Gpu.PciAddress} ({first.Gpu.Name}) runs vGPUs of type {string.Join(", ", other)}; a time-sliced GPU runs one type at a time, so \"{first.Type.Name}\" ({first.Type.Id}) has no instance left. Use the same type as the running VMs (per-VM differences go in vgpu_profile_override), or another GPU."
            : $"Every instance of \"{first.Type.Name}\" ({first.Type.Id}) is in use (max {first.Type.MaxInstances?.ToString(CultureInfo.InvariantCulture) ?? "?"}). Stop or remove a VM that uses one, or choose a smaller type.", path);
        return null;
    }

    public async Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        if (request.Planned is null)
        {
            var prior = request.Prior ?? request.Config;
            var spec = GuestSpec.From(prior);
            await NodeCall.RunAsync(request.Context, prior, "delete the VM", diagnostics, async shell =>
            {
                var node = await ReadNodeAsync(shell, spec, cancellationToken).ConfigureAwait(false);
                if (!node.Exists)
                {
                    return true;
                }

                if (node.Running)
                {
                    var stop = await shell.RunAsync(RemoteCommand.Of("qm", "stop", spec.VmidText).AsMutating(), cancellationToken).ConfigureAwait(false);
                    if (!stop.Succeeded)
                    {
                        diagnostics.Error("Unable to stop the VM", $"qm stop answered: {stop.StandardError.Trim()}", AttributePath.Of("vmid"));
                        return false;
                    }
                }

                var destroy = await shell.RunAsync(RemoteCommand.Of("qm", "destroy", spec.VmidText, "--purge").AsMutating(), cancellationToken).ConfigureAwait(false);
                if (!destroy.Succeeded)
                {
                    diagnostics.Error("Unable to delete the VM", $"qm destroy answered: {destroy.StandardError.Trim()}", AttributePath.Of("vmid"));
                }

                NodeFactsCache.Shared.Invalidate(shell);
                return true;
            }).ConfigureAwait(false);
            return new ApplyResult { NewState = diagnostics.HasErrors ? request.Prior : null, Diagnostics = diagnostics.ToImmutable() };
        }

        var planned = request.Planned;
        var state = await NodeCall.RunAsync(request.Context, planned, "apply the vGPU guest", diagnostics,
            shell => ConvergeAsync(request.Context, shell, request.Prior, planned, diagnostics, cancellationToken)).ConfigureAwait(false);
        return new ApplyResult { NewState = state ?? request.Prior, Diagnostics = diagnostics.ToImmutable() };
    }

    private async Task<Value?> ConvergeAsync(ResourceContext context, IRemoteShell shell, Value? prior, Value planned, DiagnosticBag diagnostics, CancellationToken ct)
    {
        var spec = GuestSpec.From(planned);
        var facts = await NodeFactsCache.Shared.GetAsync(shell, context.Time, ct).ConfigureAwait(false);
        if (spec.MdevType is null || !planned["mdev_type"].IsKnown)
        {
            if (SelectGpu(facts, spec, prior, diagnostics) is not { } sel)
            {
                return null;
            }

            spec = spec with { MdevType = sel.Type.Id };
        }

        var gpu = spec.Gpu ?? SelectGpu(facts, spec, prior, diagnostics)?.Gpu.PciAddress;
        if (gpu is null && spec.GpuMapping is null)
        {
            return null;
        }

        var node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        if (!node.Exists)
        {
            context.Log.Progress("vgpu_guest", $"creating VM {spec.Vmid} ({spec.Name})");
            var r = await shell.RunAsync(CreateCommand(spec, gpu ?? string.Empty), ct).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                diagnostics.Error("Unable to create the VM", $"qm answered: {r.StandardError.Trim()}", AttributePath.Of(spec.CloneFrom is null ? "vmid" : "clone_from"));
                return null;
            }

            if (spec.CloneFrom is not null)
            {
                var set = await shell.RunAsync(SetCommand(spec, gpu ?? string.Empty), ct).ConfigureAwait(false);
                if (!set.Succeeded)
                {
                    diagnostics.Error("Unable to configure the cloned VM", $"qm set answered: {set.StandardError.Trim()}", AttributePath.Of("clone_from"));
                    return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
                }
            }

            NodeFactsCache.Shared.Invalidate(shell);
            node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        }
        else if (NeedsSet(node, spec, gpu))
        {
            var vgpuChange = node.Config?.HostPci.FirstOrDefault()?.Raw != spec.HostPci(gpu ?? string.Empty);
            if (vgpuChange && node.Running)
            {
                context.Log.Progress("vgpu_guest", $"stopping VM {spec.Vmid} to change its vGPU");
                var stop = await shell.RunAsync(RemoteCommand.Of("qm", "stop", spec.VmidText).AsMutating(), ct).ConfigureAwait(false);
                if (!stop.Succeeded)
                {
                    diagnostics.Error("Unable to stop the VM", $"qm stop answered: {stop.StandardError.Trim()}");
                    return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
                }
            }

            var set = await shell.RunAsync(SetCommand(spec, gpu ?? string.Empty), ct).ConfigureAwait(false);
            if (!set.Succeeded)
            {
                diagnostics.Error("Unable to update the VM", $"qm set answered: {set.StandardError.Trim()}");
                return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
            }

            NodeFactsCache.Shared.Invalidate(shell);
            node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        }

        if (spec.Started && !node.Running)
        {
            context.Log.Progress("vgpu_guest", $"starting VM {spec.Vmid}");
            var start = await shell.RunAsync(RemoteCommand.Of("qm", "start", spec.VmidText).AsMutating().WithTimeout(TimeSpan.FromMinutes(5)), ct).ConfigureAwait(false);
            NodeFactsCache.Shared.Invalidate(shell);
            if (!start.Succeeded)
            {
                var answer = (start.StandardError + "\n" + start.StandardOutput).Trim();
                diagnostics.Error("Unable to start the VM", $"qm start answered: {answer}. " + (answer.Contains("available instances", StringComparison.Ordinal)
                    ? "The GPU has no free instance of this vGPU type: stop a VM that holds one."
                    : "Check the host driver (nvidia-vgpu-mgr must be active) and the vGPU type."), AttributePath.Of("mdev_type"));
                return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
            }
        }
        else if (!spec.Started && node.Running)
        {
            await shell.RunAsync(RemoteCommand.Of("qm", "shutdown", spec.VmidText).AsMutating().WithTimeout(TimeSpan.FromMinutes(5)), ct).ConfigureAwait(false);
            NodeFactsCache.Shared.Invalidate(shell);
        }

        if (spec.Started && spec.GuestSetup == "agent" && (spec.Agent || spec.Ssh is not null) && (spec.WantsDriver || spec.LicenseToken is not null))
        {
            var channel = Channel(context, shell, spec);
            try
            {
                _ = spec.IsWindows
                    ? await WindowsGuestSetup.RunAsync(context, shell, spec, diagnostics, ct).ConfigureAwait(false)
                    : await SetUpGuestAsync(context, channel, spec, diagnostics, ct).ConfigureAwait(false);
            }
            catch (NodeConnectionException e) when (channel.Explain(e) is { } problem)
            {
                diagnostics.Add(problem);
            }
        }

        return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
    }

    /// <summary>How setup commands reach this guest: over SSH when guest_ssh_host is set, else through the QEMU guest agent.</summary>
    private static IGuestChannel Channel(ResourceContext context, IRemoteShell shell, GuestSpec spec) =>
        spec.Ssh is { } ssh ? new SshGuestChannel(context, shell, spec, ssh) : new AgentGuestChannel(shell, spec);

    /// <summary>Linux guest setup through <paramref name="guest"/> (the agent or SSH): nouveau, the driver, the licence.</summary>
    private static async Task<bool> SetUpGuestAsync(ResourceContext context, IGuestChannel guest, GuestSpec spec, DiagnosticBag diagnostics, CancellationToken ct)
    {
        if (!await guest.WaitReadyAsync(diagnostics, ct).ConfigureAwait(false))
        {
            return false;
        }

        var facts = (await guest.ReadAsync(ct).ConfigureAwait(false)).Guest ?? ImmutableDictionary<string, string>.Empty;
        string G(string k) => facts.TryGetValue(k, out var v) ? v : string.Empty;
        Task<(int ExitCode, string Out, string Err)> Run(string script, string[] args, TimeSpan timeout, bool mutating = true, ReadOnlyMemory<byte>? input = null) =>
            guest.ExecAsync("sh", ["-c", script, "_", .. args], timeout, mutating, ct, input);

        var wantedVersion = spec.DriverVersionFromName;
        var driverMissing = spec.WantsDriver && (G("driver_version").Length == 0 || (wantedVersion is not null && G("driver_version") != wantedVersion));
        if (driverMissing)
        {
            if (G("nouveau_blacklisted") != "1" || G("nouveau_loaded") == "1")
            {
                context.Log.Progress("vgpu_guest", "blacklisting nouveau in the guest and rebooting it");
                var bl = await Run(GuestScripts.BlacklistNouveau, [], TimeSpan.FromMinutes(5)).ConfigureAwait(false);
                if (bl.ExitCode != 0)
                {
                    diagnostics.Error("Unable to blacklist nouveau in the guest", $"The guest answered: {bl.Err.Trim()} {bl.Out.Trim()}", AttributePath.Of("guest_setup"));
                    return false;
                }

                if (!await guest.RebootAsync(diagnostics, ct).ConfigureAwait(false))
                {
                    return false;
                }
            }

            context.Log.Progress("vgpu_guest", "copying the guest driver installer");
            if (spec.DriverSource is not null)
            {
                var copyError = await guest.CopyIntoAsync(spec.DriverSource, spec.DriverSha256!, DriverPathInGuest, new Progress<double>(f => context.Log.Progress("vgpu_guest", "uploading the guest driver", f)), ct).ConfigureAwait(false);
                if (copyError is not null)
                {
                    diagnostics.Error("Unable to copy the guest driver into the guest", copyError, AttributePath.Of("guest_driver_source"));
                    return false;
                }
            }
            else
            {
                var dl = await Run(GuestScripts.DownloadDriver, [spec.DriverUrl!, spec.DriverSha256!, DriverPathInGuest], TimeSpan.FromMinutes(30)).ConfigureAwait(false);
                if (dl.ExitCode != 0)
                {
                    diagnostics.Error("Unable to download the guest driver", dl.ExitCode == 21
                        ? $"The file at guest_driver_url does not match guest_driver_sha256 ({dl.Err.Trim()}). Nothing was installed."
                        : $"The guest could not download it: {dl.Err.Trim()}. The guest needs network access to that URL; or use guest_driver_source.", AttributePath.Of(dl.ExitCode == 21 ? "guest_driver_sha256" : "guest_driver_url"));
                    return false;
                }
            }

            context.Log.Progress("vgpu_guest", "installing the guest driver");
            var install = await Run(GuestScripts.InstallDriver, [DriverPathInGuest, spec.DriverSha256!], TimeSpan.FromMinutes(30)).ConfigureAwait(false);
            if (install.ExitCode != 0)
            {
                var output = (install.Err + "\n" + install.Out).Trim();
                diagnostics.Error("Unable to install the guest driver", $"The installer failed (exit {install.ExitCode}): {Last(output, 12)}", AttributePath.Of(spec.DriverSource is null ? "guest_driver_url" : "guest_driver_source"));
                return false;
            }
        }

        if (spec.LicenseToken is not null)
        {
            var tokenSha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(spec.LicenseToken)));
            var licensed = G("license_status").StartsWith("Licensed", StringComparison.Ordinal);
            if (G("token_sha256") != tokenSha || !licensed || driverMissing)
            {
                context.Log.Progress("vgpu_guest", "installing the licence token and restarting nvidia-gridd");
                var r = await Run(GuestScripts.InstallToken, [], TimeSpan.FromMinutes(2), input: Encoding.UTF8.GetBytes(spec.LicenseToken)).ConfigureAwait(false);
                if (r.ExitCode != 0)
                {
                    diagnostics.Error("Unable to install the licence token", $"The guest answered ({guest.Name}): {(r.Err + " " + (r.ExitCode < 0 ? r.Out : string.Empty)).Trim()}. " +
                        (r.ExitCode == 31 ? "nvidia-gridd could not be restarted: is the GRID guest driver installed?" : string.Empty), AttributePath.Of("license_token"));
                    return false;
                }
            }

            var log = "nvidia-gridd said:";
            if (!await WaitForLicenceAsync(context, guest, spec, diagnostics, log, async () =>
                    (await Run(GuestScripts.LicenseLog, [], TimeSpan.FromMinutes(1), mutating: false).ConfigureAwait(false)).Out, ct).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Polls the guest's licence status until it says Licensed; after license_wait_timeout, an error with the guest's own log lines.</summary>
    internal static async Task<bool> WaitForLicenceAsync(ResourceContext context, IGuestChannel guest, GuestSpec spec, DiagnosticBag diagnostics, string logIntro, Func<Task<string>> readLog, CancellationToken ct)
    {
        var deadline = context.Time.GetUtcNow() + spec.LicenseWait;
        while (true)
        {
            var status = (await guest.ReadAsync(ct).ConfigureAwait(false)).GuestValue("license_status") ?? string.Empty;
            if (status.StartsWith("Licensed", StringComparison.Ordinal))
            {
                return true;
            }

            if (context.Time.GetUtcNow() >= deadline)
            {
                var log = await readLog().ConfigureAwait(false);

                // the advice follows the latest failure: a log also holds older ones (e.g. "token not found" before the token came)
                var lastFailure = Parsing.Licensing.GridLogParser.Parse(log).Value.LastFailure;
                diagnostics.Error("The guest did not become licensed",
                    $"License Status is \"{(status.Length == 0 ? "unknown" : status)}\" after {spec.LicenseWait.TotalSeconds:F0} s. {LicenceAdvice(lastFailure?.Line ?? log)}\n{logIntro}\n{Last(log.Trim(), 8)}",
                    AttributePath.Of("license_token"));
                return false;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), context.Time, ct).ConfigureAwait(false);
        }
    }

    /// <summary>What to do, from nvidia-gridd's own words.</summary>
    internal static string LicenceAdvice(string log) =>
        log.Contains("decode signature", StringComparison.OrdinalIgnoreCase) ? "The client token is not valid for this licence server (keys changed?): fetch a new token."
        : log.Contains("time to process response has expired", StringComparison.OrdinalIgnoreCase) ? "The guest's clock disagrees with the licence server's: fix the guest's time (NTP) and timezone."
        : log.Contains("token not found", StringComparison.OrdinalIgnoreCase) ? "No client configuration token was found in the guest."
        : log.Contains("another server", StringComparison.OrdinalIgnoreCase) ? "The token was issued by another licence server."
        : log.Contains("connecting to license server", StringComparison.OrdinalIgnoreCase) || log.Contains("Failure", StringComparison.OrdinalIgnoreCase)
            ? "The guest cannot reach the licence server named in the token: check dls_url/dls_port and the network between them."
        : "Check the licence server's health and nvidia-gridd's log in the guest.";

    internal static async Task<bool> WaitForAgentAsync(IRemoteShell shell, GuestSpec spec, DiagnosticBag diagnostics, CancellationToken ct)
    {
        var r = await shell.RunAsync(RemoteCommand.Script(GuestScripts.WaitAgent, spec.VmidText, "300").WithTimeout(TimeSpan.FromMinutes(6)), ct).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            diagnostics.Error("Unable to reach the guest agent", $"{r.StandardError.Trim()}. Install and start qemu-guest-agent in the guest (and keep agent = true), or set guest_setup = \"none\".", AttributePath.Of("agent"));
        }

        return r.Succeeded;
    }

    private static bool NeedsSet(GuestNodeState node, GuestSpec spec, string? gpu)
    {
        var c = node.Config;
        if (c is null)
        {
            return true;
        }

        return c.Get("name") != spec.Name
            || c.Get("cores") != spec.Cores.ToString(CultureInfo.InvariantCulture)
            || c.Get("memory") != spec.MemoryMb.ToString(CultureInfo.InvariantCulture)
            || c.Get("cpu") != spec.Cpu
            || (c.Get("machine") ?? "q35") != spec.Machine
            || c.HostPci.FirstOrDefault()?.Raw != spec.HostPci(gpu ?? string.Empty)
            || c.Get("agent") is not { } agent || (agent is "1" or "enabled=1") != spec.Agent
            || (c.Get("net0")?.Contains("bridge=" + spec.Bridge, StringComparison.Ordinal) != true);
    }

    private static RemoteCommand CreateCommand(GuestSpec spec, string gpu)
    {
        if (spec.CloneFrom is { } template)
        {
            return RemoteCommand.Of("qm", "clone", template.ToString(CultureInfo.InvariantCulture), spec.VmidText, "--name", spec.Name, "--full", "1").AsMutating().WithTimeout(TimeSpan.FromMinutes(30));
        }

        var args = new List<string>
        {
            "create", spec.VmidText, "--name", spec.Name, "--ostype", spec.Os == "windows" ? "win11" : "l26",
            "--machine", spec.Machine, "--bios", spec.Bios, "--cpu", spec.Cpu,
            "--cores", spec.Cores.ToString(CultureInfo.InvariantCulture), "--memory", spec.MemoryMb.ToString(CultureInfo.InvariantCulture),
            "--scsihw", "virtio-scsi-single", "--scsi0", $"{spec.Storage}:{spec.DiskSizeGb.ToString(CultureInfo.InvariantCulture)},iothread=1",
            "--net0", $"virtio,bridge={spec.Bridge}", "--agent", spec.Agent ? "enabled=1" : "enabled=0",
            "--hostpci0", spec.HostPci(gpu),
        };
        if (spec.Bios == "ovmf")
        {
            args.AddRange(["--efidisk0", $"{spec.Storage}:1,efitype=4m,pre-enrolled-keys=0"]);
        }

        if (spec.Os == "windows")
        {
            // Windows 11 setup refuses a machine without TPM 2.0 (ostype win11).
            args.AddRange(["--tpmstate0", $"{spec.Storage}:1,version=v2.0"]);
        }

        if (spec.Iso is not null)
        {
            args.AddRange(["--ide2", $"{spec.Iso},media=cdrom"]);
        }

        return new RemoteCommand { Program = "qm", Arguments = [.. args], Mutating = true, Timeout = TimeSpan.FromMinutes(10) };
    }

    private static RemoteCommand SetCommand(GuestSpec spec, string gpu) =>
        new()
        {
            Program = "qm",
            Arguments =
            [
                "set", spec.VmidText, "--name", spec.Name, "--machine", spec.Machine, "--cpu", spec.Cpu,
                "--cores", spec.Cores.ToString(CultureInfo.InvariantCulture), "--memory", spec.MemoryMb.ToString(CultureInfo.InvariantCulture),
                "--agent", spec.Agent ? "enabled=1" : "enabled=0", "--hostpci0", spec.HostPci(gpu), "--net0", $"virtio,bridge={spec.Bridge}",
            ],
            Mutating = true,
        };

    public async Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        var spec = GuestSpec.From(request.State);
        var (found, state) = await NodeCall.RunAsync(request.Context, request.State, "read the VM", diagnostics, async shell =>
        {
            var node = await Channel(request.Context, shell, spec).ReadAsync(cancellationToken).ConfigureAwait(false);
            return node.Exists ? (true, ToState(node, request.State)) : (false, (Value?)null);
        }).ConfigureAwait(false);
        if (diagnostics.HasErrors)
        {
            return new ReadResult { NewState = request.State, Diagnostics = diagnostics.ToImmutable() };
        }

        return new ReadResult { NewState = found ? state : null, Diagnostics = diagnostics.ToImmutable() };
    }

    public async Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        var slash = request.Id.LastIndexOf('/');
        if (slash <= 0 || !long.TryParse(request.Id[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var vmid))
        {
            diagnostics.Error("Unable to import the VM", $"\"{request.Id}\" is not an import ID. Use <node>/<vmid>, e.g. pve1/200.");
            return new ImportResult { Diagnostics = diagnostics.ToImmutable() };
        }

        var seed = Value.Object(("node", Value.String(request.Id[..slash])), ("vmid", Value.Number(vmid)), ("guest_setup", Value.String("agent")), ("license_wait_timeout", Value.String("3m")));
        var state = await NodeCall.RunAsync(request.Context, seed, "import the VM", diagnostics, async shell =>
        {
            var node = await ReadNodeAsync(shell, GuestSpec.From(seed), cancellationToken).ConfigureAwait(false);
            if (!node.Exists)
            {
                diagnostics.Error("Unable to import the VM", $"VM {vmid} does not exist on node \"{request.Id[..slash]}\".");
                return null;
            }

            if (node.Config?.Get("ostype") is { } ostype && ostype.StartsWith("win", StringComparison.Ordinal))
            {
                // a Windows guest answers other programs than a Linux one
                seed = seed.With("os", Value.String("windows"));
                node = await ReadNodeAsync(shell, GuestSpec.From(seed), cancellationToken).ConfigureAwait(false);
            }

            return ToState(node, seed);
        }).ConfigureAwait(false);
        return new ImportResult { State = state, Diagnostics = diagnostics.ToImmutable() };
    }

    internal static async Task<GuestNodeState> ReadNodeAsync(IRemoteShell shell, GuestSpec spec, CancellationToken ct)
    {
        // with guest_ssh the guest's facts come over SSH (SshGuestChannel); the agent, when it answers, still gives the addresses
        var setup = spec.GuestSetup != "agent" ? "none" : spec.Ssh is not null ? "net" : spec.IsWindows ? "agent-windows" : "agent";
        var r = await shell.RunAsync(RemoteCommand.Script(GuestScripts.Read, spec.VmidText, setup, GuestScripts.GuestProbe, GuestScripts.WindowsNvidiaSmi, GuestScripts.WindowsTokenPath)
            .WithTimeout(TimeSpan.FromMinutes(2)), ct).ConfigureAwait(false);
        return GuestNodeState.Parse(r.StandardOutput);
    }

    private async Task<Value> ReadStateAsync(ResourceContext context, IRemoteShell shell, GuestSpec spec, Value basis, CancellationToken ct) =>
        ToState(await Channel(context, shell, spec).ReadAsync(ct).ConfigureAwait(false), basis);

    /// <summary>State from what the node says; attributes the node cannot tell (driver source, token, timeouts) come from what was applied.</summary>
    private Value ToState(GuestNodeState node, Value basis)
    {
        var fields = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var a in Definition.Attributes)
        {
            fields[a.Name] = basis[a.Name].IsUnknown ? Value.Null : basis[a.Name];
        }

        var c = node.Config!;
        var vmid = basis["vmid"].AsInt64();
        fields["id"] = Value.String($"{basis["node"].StringOrNull}/{vmid}");
        fields["name"] = Value.FromString(c.Name);
        fields["machine"] = Value.String(c.Machine ?? "pc");
        fields["bios"] = Value.String(c.Bios ?? "seabios");
        fields["os"] = Value.String(c.Get("ostype") is { } os && os.StartsWith("win", StringComparison.Ordinal) ? "windows" : "linux");
        fields["cpu"] = Value.FromString(c.Get("cpu") ?? "kvm64");
        fields["cores"] = long.TryParse(c.Get("cores"), CultureInfo.InvariantCulture, out var cores) ? Value.Number(cores) : Value.Number(1);
        fields["memory_mb"] = long.TryParse(c.Get("memory"), CultureInfo.InvariantCulture, out var mem) ? Value.Number(mem) : Value.Number(512);
        fields["agent"] = Value.Bool(c.Get("agent") is "1" or "enabled=1" || (c.Get("agent")?.StartsWith("enabled=1", StringComparison.Ordinal) ?? false) || (c.Get("agent")?.StartsWith("1,", StringComparison.Ordinal) ?? false));
        if (c.Get("net0") is { } net0 && net0.Split(',').FirstOrDefault(p => p.StartsWith("bridge=", StringComparison.Ordinal)) is { } br)
        {
            fields["bridge"] = Value.String(br[7..]);
        }

        if (c.Get("scsi0") is { } scsi0)
        {
            fields["storage"] = Value.String(scsi0[..Math.Max(0, scsi0.IndexOf(':', StringComparison.Ordinal))]);
            if (scsi0.Split(',').FirstOrDefault(p => p.StartsWith("size=", StringComparison.Ordinal)) is { } size
                && long.TryParse(size[5..].TrimEnd('G'), CultureInfo.InvariantCulture, out var gb))
            {
                fields["disk_size_gb"] = Value.Number(gb);
            }
        }

        fields["iso"] = c.Get("ide2") is { } ide2 && ide2.Contains(":iso/", StringComparison.Ordinal) ? Value.String(ide2.Split(',')[0]) : Value.Null;
        var hp = c.HostPci.FirstOrDefault();
        fields["mdev_type"] = Value.FromString(hp?.Device.Mdev);
        fields["pcie"] = Value.Bool(hp?.Device.Pcie ?? false);
        fields["rombar"] = Value.Bool(hp?.Device.Rombar ?? true);
        fields["gpu_mapping"] = Value.FromString(hp?.Device.Mapping);
        if (basis["gpu"].StringOrNull is not null && hp?.Device.HostAddresses.FirstOrDefault() is { } addr)
        {
            fields["gpu"] = Value.String(addr.ToString());
        }

        fields["mdev_uuid"] = hp?.Device.Mdev is null ? Value.Null : Value.String($"00000000-0000-0000-0000-{vmid.ToString("D12", CultureInfo.InvariantCulture)}");
        fields["status"] = Value.String(node.Running ? "running" : "stopped");
        fields["started"] = Value.Bool(node.Running);
        fields["license_status"] = Value.FromString(node.GuestValue("license_status") ?? (node.Guest is null ? basis["license_status"].StringOrNull : null));
        fields["guest_driver_version"] = Value.FromString(node.GuestValue("driver_version") ?? (node.Guest is null ? basis["guest_driver_version"].StringOrNull : null));
        fields["ip_addresses"] = node.Guest is null && basis["ip_addresses"].Kind == ValueKind.List ? basis["ip_addresses"] : Value.FromStrings(node.IpAddresses);
        if (basis["license_token"].StringOrNull is { } token && node.GuestValue("token_sha256") is { } sha
            && sha != Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token))))
        {
            // the token in the guest is not the one we installed: show it as a change of license_token
            fields["license_token"] = Value.String("(changed in the guest)").AsSensitive();
        }
        else if (!fields["license_token"].IsNull)
        {
            fields["license_token"] = fields["license_token"].AsSensitive();
        }

        if (!fields["guest_ssh_private_key"].IsNull)
        {
            fields["guest_ssh_private_key"] = fields["guest_ssh_private_key"].AsSensitive();
        }

        return Value.Object(fields);
    }

    internal static string Last(string text, int lines)
    {
        var all = text.Split('\n');
        return all.Length <= lines ? text : string.Join('\n', all[^lines..]);
    }
}
