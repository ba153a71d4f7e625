using System.Globalization;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Parsing.Pve;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Guests.GuestDefinition;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// <c>vgpu_guest</c>: plan, apply, read, import and delete a vGPU VM and its guest setup. The decisions are made by
/// <see cref="GuestPlanner"/> and <see cref="GuestPlacement"/> (pure), the commands built by <see cref="GuestCommands"/>,
/// the state mapped by <see cref="GuestState"/>; this class reads the node and runs the steps.
/// </summary>
internal sealed class GuestResource : IResource
{
    public ResourceDefinition Definition => D.Definition;

    public IEnumerable<Diagnostic> Validate(Value config) => GuestValidation.Run(config);

    public async Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ProposedNewState is null)
        {
            // a delete: no create-time check (vGPU capacity, type, vmid) may stand in its way
            return new PlanResult();
        }

        var diagnostics = new DiagnosticBag();
        var prior = request.Prior;
        var config = request.Config;
        var planned = PlanDefaults.Prepare(Definition, config, prior);
        planned = GuestPlanner.PlanComputed(planned, config, prior, request.Context.Nodes.NodeNames.FirstOrDefault());

        var vgpuChanges = prior is null ? [] : GuestPlanner.VgpuChanges(prior, planned);
        if ((prior is null || !vgpuChanges.IsEmpty) && planned[D.Node].IsKnown && planned[D.Vmid].IsKnown)
        {
            await NodeCall.RunAsync(request.Context, planned, "plan the vGPU guest", diagnostics, async shell =>
            {
                planned = await PlanOnNodeAsync(request, shell, planned, diagnostics, cancellationToken).ConfigureAwait(false);
                return true;
            }).ConfigureAwait(false);
            vgpuChanges = prior is null ? [] : GuestPlanner.VgpuChanges(prior, planned);
        }

        // Licence and driver: what the guest will say is known only after apply when they change.
        if (prior is not null)
        {
            var tokenChanged = !config[D.LicenseToken].Equals(prior[D.LicenseToken]);
            var driverChanged = !config[D.GuestDriverSha256].Equals(prior[D.GuestDriverSha256]);
            if (vgpuChanges.IsEmpty && !tokenChanged && !driverChanged)
            {
                foreach (var computed in new[] { D.LicenseStatus, D.GuestDriverVersion, D.IpAddresses, D.MdevUuid })
                {
                    planned = planned.With(computed, prior[computed]);
                }
            }
            else
            {
                if (!vgpuChanges.IsEmpty && prior[D.Status].StringOrNull == "running")
                {
                    diagnostics.Warning("The VM will be restarted", GuestPlanner.RestartDetail(prior, planned, vgpuChanges), AttributePath.Of(vgpuChanges[0]));
                }

                planned = planned.With(D.LicenseStatus, Value.Unknown).With(D.GuestDriverVersion, driverChanged ? Value.Unknown : prior[D.GuestDriverVersion]);
            }
        }

        diagnostics.AddRange(Licensing.GriddTrust.PlanNotes(config, prior));
        return new PlanResult
        {
            Planned = planned,
            RequiresReplace = PlanDefaults.ReplacementPaths(Definition, prior, planned),
            Diagnostics = diagnostics.ToImmutable(),
        };
    }

    /// <summary>
    /// The read-only part of a create's or a vGPU change's plan: what is at the vmid (create), and where the vGPU goes
    /// (warnings only: the apply checks again). Returns <paramref name="planned"/> with the resolved type.
    /// </summary>
    private async Task<Value> PlanOnNodeAsync(PlanRequest request, IRemoteShell shell, Value planned, DiagnosticBag diagnostics, CancellationToken ct)
    {
        var prior = request.Prior;
        var config = request.Config;
        var spec = GuestSpec.From(planned);
        var ownType = prior?[D.MdevType].StringOrNull;
        if (prior is null)
        {
            var existing = await GuestRead.NodeOnlyAsync(shell, spec, request.Context.Time, ct).ConfigureAwait(false);
            var id = planned[D.Id].StringOrNull;
            var creation = existing.Exists && GuestPlanner.Tagged(existing.Config) && request.Replacing != id
                ? await CreationClaim.ProbeAsync(shell, spec.Vmid, ct).ConfigureAwait(false)
                : CreationStatus.None;
            switch (GuestPlanner.Classify(existing, request.Replacing, id, creation))
            {
                case ExistingVm.Stranger:
                    diagnostics.Add(Stranger(spec, shell.NodeName, id));
                    return planned;
                case ExistingVm.BeingCreated:
                case ExistingVm.OtherState:
                    diagnostics.Add(AnotherApplys(spec, shell.NodeName, id, creation == CreationStatus.InProgress, atApply: false));
                    return planned;
                case ExistingVm.Ours:
                    diagnostics.Warning("The existing VM will be finished, not created again",
                        $"Node \"{shell.NodeName}\" has a VM {spec.VmidText} with VgpuIac's tag \"{D.OwnershipTag}\" that a create left unfinished: " +
                        "that apply was interrupted before the VM reached any state. This apply finishes it: only what differs from the configuration is changed.",
                        AttributePath.Of(D.Vmid));
                    ownType = existing.Running ? existing.Config?.HostPci.FirstOrDefault(h => h.Index == 0)?.Device.Mdev : null;
                    break;
                case ExistingVm.BeingReplaced:
                    ownType = existing.Running ? existing.Config?.HostPci.FirstOrDefault(h => h.Index == 0)?.Device.Mdev : null;
                    break;
                default:
                    break;
            }

            if (spec.CloneFrom is { } template && planned[D.DiskSizeGb].IsKnown && planned[D.Storage].IsKnown && (!existing.Exists || request.Replacing == id)
                && await CheckTemplateAsync(shell, spec, template, ct).ConfigureAwait(false) is { } problem)
            {
                diagnostics.Add(problem);
                return planned;
            }
        }

        var placeKnown = new[] { D.MdevType, D.MdevTypeName, D.Gpu, D.GpuMapping, D.Pcie, D.Rombar }.All(a => config[a].IsKnown);

        // When the host driver is installed by the same apply (host_driver_version not known yet), the node cannot list
        // its vGPU types now: they are checked at apply time.
        if (!placeKnown || config[D.HostDriverVersion].IsUnknown)
        {
            return planned;
        }

        var facts = await NodeFactsCache.Shared.GetAsync(shell, request.Context.Time, ct).ConfigureAwait(false);
        if (request.Replacing is { } replacing && ParseId(replacing) is { } old && old.Node == shell.NodeName)
        {
            ownType ??= GuestPlacement.HeldType(facts, old.Vmid);
        }

        if (GuestPlacement.NoTypesYet(facts, spec, hostDriverSet: !config[D.HostDriverVersion].IsNull) is { } notYet)
        {
            diagnostics.Add(notYet);
            return planned;
        }

        return GuestPlacement.Select(facts, spec, ownType, diagnostics, Severity.Warning) is { } sel ? planned.With(D.MdevType, Value.String(sel.Type.Id)) : planned;
    }

    /// <summary>A clone's template must exist and have a system disk (scsi0) no larger than disk_size_gb (a disk grows, never shrinks).</summary>
    private static async Task<Diagnostic?> CheckTemplateAsync(IRemoteShell shell, GuestSpec spec, long template, CancellationToken ct)
    {
        var text = template.ToString(CultureInfo.InvariantCulture);
        var r = await shell.RunAsync(GuestCommands.TemplateConfig(template), ct).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            return Diagnostic.Error("Unable to clone the VM",
                $"clone_from = {text}, but node \"{shell.NodeName}\" has no VM {text} (qm config {text} answered: {r.StandardError.Trim()}). Name a template VM that exists on this node.",
                AttributePath.Of(D.CloneFrom));
        }

        var scsi0 = QmConfigParser.Parse(r.StandardOutput).Value.Get("scsi0");
        if (scsi0 is null)
        {
            return Diagnostic.Error("Unable to clone the VM",
                $"Template VM {text} on node \"{shell.NodeName}\" has no scsi0 disk; vgpu_guest manages the system disk as scsi0 (disk_size_gb, storage). Give the template its system disk as scsi0, or create the VM without clone_from.",
                AttributePath.Of(D.CloneFrom));
        }

        if (GuestPlanner.DiskBytes(scsi0) is { } bytes && bytes > spec.DiskSizeGb << 30)
        {
            var gb = (bytes + (1L << 30) - 1) >> 30;
            return Diagnostic.Error("Unable to clone the VM",
                $"Template VM {text} on node \"{shell.NodeName}\" has a {gb.ToString(CultureInfo.InvariantCulture)} GiB system disk, larger than disk_size_gb = {spec.DiskSizeGb.ToString(CultureInfo.InvariantCulture)}: " +
                $"a clone's disk can grow but PVE never shrinks one. Set disk_size_gb to {gb.ToString(CultureInfo.InvariantCulture)} or more.",
                AttributePath.Of(D.DiskSizeGb));
        }

        return null;
    }

    /// <summary>A VM with our tag at the vmid that another apply is creating, or created and keeps in its own state.</summary>
    private Diagnostic AnotherApplys(GuestSpec spec, string nodeName, string? id, bool inProgress, bool atApply)
    {
        var what = inProgress
            ? $"Another apply is creating VM {spec.VmidText} on node \"{nodeName}\" right now (it holds the node's create lock for that vmid)"
            : atApply
                ? $"VM {spec.VmidText} appeared on node \"{nodeName}\" after this plan was made: another apply (another state or workspace) created it meanwhile, and that apply's state holds it"
                : $"VM {spec.VmidText} on node \"{nodeName}\" carries VgpuIac's tag \"{D.OwnershipTag}\" but was created by another apply that handed it to its own state (another state or workspace)";
        return Diagnostic.Error("Unable to create the VM",
            $"{what}. This apply changed nothing on the node. Two configurations cannot own one VM: choose another vmid for this one, " +
            "or, if the VM should be managed here instead, remove it from the other state and bring it under management here.",
            AttributePath.Of(D.Vmid)) with { Import = inProgress ? null : new ImportHint(Definition, id ?? $"{nodeName}/{spec.VmidText}") };
    }

    private Diagnostic Stranger(GuestSpec spec, string nodeName, string? id) =>
        Diagnostic.Error("Unable to create the VM",
            $"VM {spec.VmidText} already exists on node \"{nodeName}\" and was not made by VgpuIac (it has no \"{D.OwnershipTag}\" tag), so it is left alone. " +
            "Choose a free vmid, or bring the existing VM under management.", AttributePath.Of(D.Vmid))
        with { Import = new ImportHint(Definition, id ?? $"{nodeName}/{spec.VmidText}") };

    private static (string Node, long Vmid)? ParseId(string id)
    {
        var slash = id.LastIndexOf('/');
        return slash > 0 && long.TryParse(id.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var vmid) ? (id[..slash], vmid) : null;
    }

    public async Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new DiagnosticBag();
        if (request.Planned is null)
        {
            var prior = request.Prior ?? request.Config;
            var gone = await NodeCall.RunAsync(request.Context, prior, "delete the VM", diagnostics,
                shell => DeleteAsync(shell, GuestSpec.From(prior), diagnostics, cancellationToken)).ConfigureAwait(false);
            return new ApplyResult { NewState = gone && !diagnostics.HasErrors ? null : request.Prior, Diagnostics = diagnostics.ToImmutable() };
        }

        var planned = request.Planned;
        var state = await NodeCall.RunAsync(request.Context, planned, "apply the vGPU guest", diagnostics,
            shell => request.Prior is null
                ? CreateUnderClaimAsync(request.Context, shell, planned, diagnostics, cancellationToken)
                : ConvergeAsync(request.Context, shell, request.Prior, planned, diagnostics, null, cancellationToken)).ConfigureAwait(false);
        // A create that failed keeps nothing in state: a state saved with an error would be tainted, and the next apply
        // would destroy the VM and undo what did succeed (the VM, its driver). The VM stays on the node with its creation
        // claim, so the next apply finds it unfinished and continues from there.
        return new ApplyResult { NewState = request.Prior is null && diagnostics.HasErrors ? null : state ?? request.Prior, Diagnostics = diagnostics.ToImmutable() };
    }

    /// <summary>Stops and destroys the VM; a VM that is already gone is deleted. Runs no create-time check.</summary>
    private static async Task<bool> DeleteAsync(IRemoteShell shell, GuestSpec spec, DiagnosticBag diagnostics, CancellationToken ct)
    {
        var node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        if (!node.Exists)
        {
            return true;
        }

        if (node.Running)
        {
            var stop = await shell.RunAsync(GuestCommands.Stop(spec), ct).ConfigureAwait(false);
            if (!stop.Succeeded)
            {
                diagnostics.Error("Unable to stop the VM", $"qm stop {spec.VmidText} on node \"{shell.NodeName}\" answered: {stop.StandardError.Trim()}", AttributePath.Of(D.Vmid));
                return false;
            }
        }

        var destroy = await shell.RunAsync(GuestCommands.Destroy(spec), ct).ConfigureAwait(false);
        NodeFactsCache.Shared.Invalidate(shell);
        if (!destroy.Succeeded)
        {
            diagnostics.Error("Unable to delete the VM", $"qm destroy {spec.VmidText} on node \"{shell.NodeName}\" answered: {destroy.StandardError.Trim()}", AttributePath.Of(D.Vmid));
            return false;
        }

        return true;
    }

    /// <summary>
    /// A create holds the vmid's <see cref="CreationClaim"/> from its decision until it hands the VM to the state (a create
    /// that succeeded): a VM that exists then is finished only when a create left it unfinished (interrupted, or failed
    /// midway); one another apply made is refused, with nothing changed.
    /// </summary>
    private async Task<Value?> CreateUnderClaimAsync(ResourceContext context, IRemoteShell shell, Value planned, DiagnosticBag diagnostics, CancellationToken ct)
    {
        var spec = GuestSpec.From(planned);
        await using var claim = await CreationClaim.TakeAsync(shell, spec.Vmid, ct).ConfigureAwait(false);
        var state = await ConvergeAsync(context, shell, null, planned, diagnostics, claim, ct).ConfigureAwait(false);
        if (state is not null && !diagnostics.HasErrors)
        {
            await claim.HandOverAsync(ct).ConfigureAwait(false);
        }

        return state;
    }

    private async Task<Value?> ConvergeAsync(ResourceContext context, IRemoteShell shell, Value? prior, Value planned, DiagnosticBag diagnostics, CreationClaim? claim, CancellationToken ct)
    {
        var spec = GuestSpec.From(planned);
        var node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        if (prior is null && node.Exists)
        {
            if (!GuestPlanner.Tagged(node.Config))
            {
                diagnostics.Add(Stranger(spec, shell.NodeName, planned[D.Id].StringOrNull));
                return null;
            }

            if (claim is { Abandoned: false })
            {
                diagnostics.Add(AnotherApplys(spec, shell.NodeName, planned[D.Id].StringOrNull, inProgress: false, atApply: true));
                return null;
            }

            context.Log.Progress("vgpu_guest", $"finishing VM {spec.VmidText}: it carries the {D.OwnershipTag} tag and a create left it unfinished");
        }

        // the vGPU: placed (create-only checks, as errors now) only for a new VM or a vGPU that changes
        var gpu = spec.Gpu;
        if (node.Exists && gpu is null && spec.GpuMapping is null && spec.MdevType is not null && GuestPlanner.HostPciMatches(node.Config!, spec, null))
        {
            gpu = node.Config!.HostPci.First(h => h.Index == 0).Device.HostAddresses.Select(a => a.ToString()).FirstOrDefault();
        }

        if (spec.MdevType is null || (gpu is null && spec.GpuMapping is null) || !node.Exists || !GuestPlanner.HostPciMatches(node.Config!, spec, gpu))
        {
            var facts = await NodeFactsCache.Shared.GetAsync(shell, context.Time, ct).ConfigureAwait(false);
            var ownType = node.Exists && node.Running ? node.Config?.HostPci.FirstOrDefault(h => h.Index == 0)?.Device.Mdev : null;
            if (GuestPlacement.Select(facts, spec, ownType, diagnostics, Severity.Error) is not { } sel)
            {
                return node.Exists && prior is not null ? await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false) : null;
            }

            spec = spec with { MdevType = sel.Type.Id };
            gpu ??= spec.GpuMapping is null ? sel.Gpu.PciAddress : null;
        }

        var fromTemplate = false;
        if (!node.Exists)
        {
            if (claim is not null)
            {
                await claim.MarkAsync(ct).ConfigureAwait(false);
            }

            var created = await CreateAsync(context, shell, spec, gpu, diagnostics, ct).ConfigureAwait(false);
            if (created is null)
            {
                return null;
            }

            node = created;
            fromTemplate = spec.CloneFrom is not null;
        }

        {
            // only what differs is sent (a NIC keeps its MAC); a VM just made from the spec differs in nothing
            var changes = GuestPlanner.ConfigChanges(node.Config!, spec, gpu, addTag: fromTemplate, creating: prior is null);
            if (!changes.IsEmpty)
            {
                if (changes.VgpuChanged && node.Running)
                {
                    context.Log.Progress("vgpu_guest", $"stopping VM {spec.VmidText} to change its vGPU");
                    var stop = await shell.RunAsync(GuestCommands.Stop(spec), ct).ConfigureAwait(false);
                    if (!stop.Succeeded)
                    {
                        diagnostics.Error("Unable to stop the VM", $"qm stop {spec.VmidText} on node \"{shell.NodeName}\" answered: {stop.StandardError.Trim()}", AttributePath.Of(D.Vmid));
                        return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
                    }
                }

                context.Log.Progress("vgpu_guest", $"updating VM {spec.VmidText}: {string.Join(", ", changes.Set.Select(kv => kv.Key).Concat(changes.Delete.Select(k => "-" + k)))}");
                var set = await shell.RunAsync(GuestCommands.Set(spec, changes), ct).ConfigureAwait(false);
                NodeFactsCache.Shared.Invalidate(shell);
                if (!set.Succeeded)
                {
                    diagnostics.Error(fromTemplate ? "Unable to configure the cloned VM" : "Unable to update the VM", $"qm set {spec.VmidText} on node \"{shell.NodeName}\" answered: {set.StandardError.Trim()}",
                        AttributePath.Of(fromTemplate ? D.CloneFrom : D.Vmid));
                    return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
                }

                node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
            }
        }

        if (prior is null)
        {
            // a clone, or a VM a create left unfinished: its disks as the spec says (storage, size)
            if (await ConvergeDisksAsync(context, shell, spec, node, diagnostics, ct).ConfigureAwait(false) is not { } disks)
            {
                return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
            }

            node = disks;
        }

        if (spec.Started && !node.Running)
        {
            context.Log.Progress("vgpu_guest", $"starting VM {spec.VmidText}");
            var start = await shell.RunAsync(GuestCommands.Start(spec), ct).ConfigureAwait(false);
            NodeFactsCache.Shared.Invalidate(shell);
            if (!start.Succeeded)
            {
                var answer = (start.StandardError + "\n" + start.StandardOutput).Trim();
                diagnostics.Error("Unable to start the VM", QmStartAdvice.Explain(spec.VmidText, shell.NodeName, answer), AttributePath.Of(D.MdevType));
                return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
            }
        }
        else if (!spec.Started && node.Running)
        {
            await shell.RunAsync(GuestCommands.Shutdown(spec), ct).ConfigureAwait(false);
            NodeFactsCache.Shared.Invalidate(shell);
        }

        if (spec.Started && spec.GuestSetup == "agent" && (spec.Agent || spec.Ssh is not null) && (spec.WantsDriver || spec.LicenseToken is not null))
        {
            var channel = Channel(context, shell, spec);
            try
            {
                _ = spec.IsWindows
                    ? await WindowsGuestSetup.RunAsync(context, shell, spec, diagnostics, ct).ConfigureAwait(false)
                    : await LinuxGuestSetup.RunAsync(context, channel, spec, diagnostics, ct).ConfigureAwait(false);
            }
            catch (NodeConnectionException e) when (channel.Explain(e) is { } problem)
            {
                diagnostics.Add(problem);
            }
        }

        return await ReadStateAsync(context, shell, spec, planned, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves the VM's disks onto the spec's storage (<c>qm disk move --delete 1</c>) and grows the system disk to
    /// disk_size_gb (<c>qm resize</c>); a larger system disk is an error (PVE never shrinks one). The VM as the node then
    /// says, or null after an error.
    /// </summary>
    private static async Task<GuestNodeState?> ConvergeDisksAsync(ResourceContext context, IRemoteShell shell, GuestSpec spec, GuestNodeState node, DiagnosticBag diagnostics, CancellationToken ct)
    {
        var config = node.Config!;
        var changed = false;
        foreach (var disk in GuestPlanner.StorageDisks)
        {
            if (GuestPlanner.DiskStorage(config.Get(disk)) is { } storage && storage != spec.Storage)
            {
                context.Log.Progress("vgpu_guest", $"moving {disk} of VM {spec.VmidText} from {storage} to {spec.Storage}");
                var move = await shell.RunAsync(GuestCommands.MoveDisk(spec, disk), ct).ConfigureAwait(false);
                changed = true;
                if (!move.Succeeded)
                {
                    diagnostics.Error("Unable to move the VM's disk", $"qm disk move {spec.VmidText} {disk} {spec.Storage} on node \"{shell.NodeName}\" answered: {move.StandardError.Trim()}. " +
                        "Check that the storage exists and has room, then run apply again: the VM is kept.", AttributePath.Of(D.Storage));
                    return null;
                }
            }
        }

        var scsi0 = config.Get("scsi0");
        if (scsi0 is null)
        {
            diagnostics.Error("Unable to size the VM's disk", $"VM {spec.VmidText} on node \"{shell.NodeName}\" has no scsi0 disk (its template's system disk is another bus); vgpu_guest manages the system disk as scsi0.",
                AttributePath.Of(spec.CloneFrom is null ? D.DiskSizeGb : D.CloneFrom));
            return null;
        }

        var want = spec.DiskSizeGb << 30;
        if (GuestPlanner.DiskBytes(scsi0) is { } bytes && bytes != want)
        {
            if (bytes > want)
            {
                diagnostics.Error("Unable to size the VM's disk", $"The system disk of VM {spec.VmidText} on node \"{shell.NodeName}\" is {scsi0}, larger than disk_size_gb = {spec.DiskSizeGb.ToString(CultureInfo.InvariantCulture)}: " +
                    "PVE never shrinks a disk. Set disk_size_gb to its size or more.", AttributePath.Of(D.DiskSizeGb));
                return null;
            }

            context.Log.Progress("vgpu_guest", $"growing scsi0 of VM {spec.VmidText} to {spec.DiskSizeGb.ToString(CultureInfo.InvariantCulture)} GiB");
            var resize = await shell.RunAsync(GuestCommands.Resize(spec, "scsi0"), ct).ConfigureAwait(false);
            changed = true;
            if (!resize.Succeeded)
            {
                diagnostics.Error("Unable to resize the VM's disk", $"qm resize {spec.VmidText} scsi0 {spec.DiskSizeGb.ToString(CultureInfo.InvariantCulture)}G on node \"{shell.NodeName}\" answered: {resize.StandardError.Trim()}. " +
                    "Check that the storage has room, then run apply again: the VM is kept.", AttributePath.Of(D.DiskSizeGb));
                return null;
            }
        }

        if (!changed)
        {
            return node;
        }

        NodeFactsCache.Shared.Invalidate(shell);
        return await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
    }

    /// <summary>Creates the VM (qm create with the tag, or qm clone); the VM as the node then says, or null when nothing was made.</summary>
    private static async Task<GuestNodeState?> CreateAsync(ResourceContext context, IRemoteShell shell, GuestSpec spec, string? gpu, DiagnosticBag diagnostics, CancellationToken ct)
    {
        context.Log.Progress("vgpu_guest", $"creating VM {spec.VmidText} ({spec.Name})");
        var command = spec.CloneFrom is { } template ? GuestCommands.Clone(spec, template) : GuestCommands.Create(spec, gpu);
        var r = await shell.RunAsync(command, ct).ConfigureAwait(false);
        NodeFactsCache.Shared.Invalidate(shell);
        var node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            diagnostics.Error("Unable to create the VM", $"qm {command.Arguments[0]} on node \"{shell.NodeName}\" answered: {r.StandardError.Trim()}", AttributePath.Of(spec.CloneFrom is null ? D.Vmid : D.CloneFrom));
            return null;
        }

        return node.Exists ? node : null;
    }

    /// <summary>How setup commands reach this guest: over SSH when guest_ssh_host is set, else through the QEMU guest agent.</summary>
    private static IGuestChannel Channel(ResourceContext context, IRemoteShell shell, GuestSpec spec) =>
        spec.Ssh is { } ssh ? new SshGuestChannel(context, shell, spec, ssh) : new AgentGuestChannel(shell, spec);

    /// <summary>The channel of a refresh: the VM as the node's snapshot says, the guest asked only when needed (<see cref="GuestRead"/>).</summary>
    private static IGuestChannel RefreshChannel(ResourceContext context, IRemoteShell shell, GuestSpec spec)
    {
        Task<GuestNodeState> Read(CancellationToken ct) => GuestRead.WithGuestAsync(shell, spec, context.Time, ct);
        return spec.Ssh is { } ssh ? new SshGuestChannel(context, shell, spec, ssh, Read) : new AgentGuestChannel(shell, spec, Read);
    }

    internal static Task<bool> WaitForLicenceAsync(ResourceContext context, IGuestChannel guest, GuestSpec spec, DiagnosticBag diagnostics, string logIntro, Func<Task<string>> readLog, CancellationToken ct) =>
        LinuxGuestSetup.WaitForLicenceAsync(context, guest, spec, diagnostics, logIntro, readLog, ct);

    internal static string Last(string text, int lines) => LinuxGuestSetup.Last(text, lines);

    /// <summary>Waits for the guest agent for <see cref="GuestSpec.AgentWait"/> (agent_wait_timeout).</summary>
    internal static async Task<bool> WaitForAgentAsync(IRemoteShell shell, GuestSpec spec, DiagnosticBag diagnostics, CancellationToken ct)
    {
        var r = await shell.RunAsync(GuestCommands.WaitAgent(spec), ct).ConfigureAwait(false);
        if (!r.Succeeded)
        {
            diagnostics.Error("Unable to reach the guest agent",
                $"{r.StandardError.Trim()} (node \"{shell.NodeName}\"). Install and start qemu-guest-agent in the guest (and keep agent = true), raise agent_wait_timeout if the guest boots slowly, or set guest_setup = \"none\".",
                AttributePath.Of(D.Agent));
        }

        return r.Succeeded;
    }

    public async Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new DiagnosticBag();
        var spec = GuestSpec.From(request.State);
        var (found, state) = await NodeCall.RunAsync(request.Context, request.State, "read the VM", diagnostics, async shell =>
        {
            var node = await RefreshChannel(request.Context, shell, spec).ReadAsync(cancellationToken).ConfigureAwait(false);
            return node.Exists ? (true, GuestState.ToValue(node, request.State)) : (false, (Value?)null);
        }).ConfigureAwait(false);
        if (diagnostics.HasErrors)
        {
            return new ReadResult { NewState = request.State, Diagnostics = diagnostics.ToImmutable() };
        }

        return new ReadResult { NewState = found ? state : null, Diagnostics = diagnostics.ToImmutable() };
    }

    public async Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new DiagnosticBag();
        if (ParseId(request.Id) is not { } target)
        {
            diagnostics.Error("Unable to import the VM", $"\"{request.Id}\" is not an import ID. Use <node>/<vmid>, e.g. pve1/200.");
            return new ImportResult { Diagnostics = diagnostics.ToImmutable() };
        }

        var (nodeName, vmid) = target;
        var seed = Value.Object((D.Node, Value.String(nodeName)), (D.Vmid, Value.Number(vmid)), (D.GuestSetup, Value.String("agent")), (D.LicenseWaitTimeout, Value.String("3m")));
        var state = await NodeCall.RunAsync(request.Context, seed, "import the VM", diagnostics, async shell =>
        {
            var node = await GuestRead.WithGuestAsync(shell, GuestSpec.From(seed), request.Context.Time, cancellationToken).ConfigureAwait(false);
            if (!node.Exists)
            {
                diagnostics.Error("Unable to import the VM", $"VM {vmid.ToString(CultureInfo.InvariantCulture)} does not exist on node \"{nodeName}\".");
                return null;
            }

            if (node.Config?.Get("ostype") is { } ostype && ostype.StartsWith("win", StringComparison.Ordinal))
            {
                // a Windows guest answers other programs than a Linux one
                seed = seed.With(D.Os, Value.String("windows"));
                node = await GuestRead.WithGuestAsync(shell, GuestSpec.From(seed), request.Context.Time, cancellationToken).ConfigureAwait(false);
            }

            return GuestState.ToValue(node, seed);
        }).ConfigureAwait(false);
        return new ImportResult { State = state, Diagnostics = diagnostics.ToImmutable() };
    }

    internal static async Task<GuestNodeState> ReadNodeAsync(IRemoteShell shell, GuestSpec spec, CancellationToken ct) =>
        GuestNodeState.Parse((await shell.RunAsync(GuestCommands.Read(spec), ct).ConfigureAwait(false)).StandardOutput);

    private static async Task<Value> ReadStateAsync(ResourceContext context, IRemoteShell shell, GuestSpec spec, Value basis, CancellationToken ct) =>
        GuestState.ToValue(await Channel(context, shell, spec).ReadAsync(ct).ConfigureAwait(false), basis);
}
