using System.Collections.Immutable;
using System.Security.Cryptography;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Parsing.Installer;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.HostDriver;

/// <summary>
/// The <c>vgpu_host_driver</c> resource. Plan reads the node (one probe) and decides with <see cref="HostDriverPlanner"/>;
/// apply re-plans on fresh facts before every phase (prerequisites → reboot if needed → stage, uninstall old, install →
/// reboot if needed → services → verify), so an interrupted apply converges when run again.
/// </summary>
internal sealed class HostDriverResource : IResource
{
    public ResourceDefinition Definition => HostDriverSchema.Definition;

    public IEnumerable<Diagnostic> Validate(Value config)
    {
        ArgumentNullException.ThrowIfNull(config);
        foreach (var a in Definition.Attributes)
        {
            foreach (var v in a.Validators)
            {
                foreach (var d in v.Validate(config[a.Name], AttributePath.Of(a.Name)))
                {
                    yield return d;
                }
            }
        }

        var url = config["installer_url"];
        var source = config["installer_source"];
        if (url.IsNull && source.IsNull)
        {
            yield return Diagnostic.Error("Missing installer", "Set `installer_url` (with `installer_sha256`) or `installer_source` (a local .run file).", AttributePath.Of("installer_url"));
        }
        else if (!url.IsNull && !source.IsNull && url.IsKnown && source.IsKnown)
        {
            yield return Diagnostic.Error("Conflicting installer", "Set only one of `installer_url` and `installer_source`.", AttributePath.Of("installer_source"));
        }

        if (!url.IsNull && config["installer_sha256"].IsNull)
        {
            yield return Diagnostic.Error("Missing installer_sha256",
                "`installer_sha256` is required with `installer_url`: the download is checked against it before anything runs (`sha256sum NVIDIA-Linux-x86_64-<version>-vgpu-kvm.run`).",
                AttributePath.Of("installer_sha256"));
        }

        if (config["version"].IsNull && url.IsKnown && source.IsKnown && HostDriverPlanner.ResolveVersion(HostDriverConfig.From(config)) is null && (!url.IsNull || !source.IsNull))
        {
            yield return Diagnostic.Error("Unable to determine host driver version",
                "The installer file name does not contain a version (NVIDIA-Linux-x86_64-<version>-vgpu-kvm.run). Set `version`, e.g. \"535.129.03\".",
                AttributePath.Of("version"));
        }
    }

    public async Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new DiagnosticBag();
        if (request.ProposedNewState is null)
        {
            if (request.Prior is { } prior)
            {
                var facts = await ReadFactsAsync(request.Context, prior, "plan host driver removal", diagnostics, cancellationToken).ConfigureAwait(false);
                if (facts is not null)
                {
                    var guard = ImmutableArray.CreateBuilder<Diagnostic>();
                    HostDriverPlanner.AddRunningVmGuard(guard, facts, prior["force_destroy"].BoolOrNull ?? false, "uninstall host driver");

                    // At plan time this is a warning: the same run may destroy those VMs first (terraform destroy of the
                    // whole stack). Apply checks again and refuses if they still run then.
                    diagnostics.AddRange(guard.Select(d => Diagnostic.Warning(
                        d.Summary.Replace("Unable to", "Apply will refuse to", StringComparison.Ordinal),
                        d.Detail + " (Unless they are gone by then, e.g. destroyed earlier in this run.)",
                        d.Path)));
                }
            }

            return new PlanResult { Planned = null, Diagnostics = diagnostics.ToImmutable() };
        }

        var planned = PlanDefaults.Prepare(Definition, request.Config, request.Prior);
        var inputs = new[] { "node", "installer_url", "installer_source", "installer_sha256", "version", "dkms", "kernel_compatibility", "enable_iommu", "reboot", "force_destroy" };
        if (inputs.Any(n => !request.Config[n].IsWhollyKnown))
        {
            // Something the decision depends on is known only after apply: everything the node says is unknown too.
            return new PlanResult
            {
                Planned = Unknowns(planned, request.Prior),
                RequiresReplace = PlanDefaults.ReplacementPaths(Definition, request.Prior, planned),
            };
        }

        var config = HostDriverConfig.From(planned);
        if (config.InstallerSource is { } source)
        {
            var sha = await LocalSha256Async(source, diagnostics, cancellationToken).ConfigureAwait(false);
            if (sha is null)
            {
                return new PlanResult { Planned = planned, Diagnostics = diagnostics.ToImmutable() };
            }

            if (request.Config["installer_sha256"].StringOrNull is { } given && !string.Equals(given.Trim(), sha, StringComparison.OrdinalIgnoreCase))
            {
                diagnostics.Error("Installer checksum mismatch",
                    $"{source} has SHA-256 {sha}, but installer_sha256 is {given}. Check that the file is the one you meant, then fix installer_sha256 (or remove it to use the file's checksum).",
                    AttributePath.Of("installer_sha256"));
                return new PlanResult { Planned = planned, Diagnostics = diagnostics.ToImmutable() };
            }

            config = config with { InstallerSha256 = request.Config["installer_sha256"].StringOrNull ?? sha };
        }

        var version = HostDriverPlanner.ResolveVersion(config);
        planned = planned.With("installer_sha256", Value.FromString(config.InstallerSha256)).With("version", Value.FromString(version));
        var nodeFacts = await ReadFactsAsync(request.Context, planned, "plan host driver", diagnostics, cancellationToken).ConfigureAwait(false);
        if (nodeFacts is null)
        {
            return new PlanResult { Planned = planned, Diagnostics = diagnostics.ToImmutable() };
        }

        var replacingHere = request.Prior is null && string.Equals(request.Replacing, nodeFacts.NodeName, StringComparison.Ordinal);
        if (replacingHere)
        {
            // The second half of a replacement: the destroy of the old object runs first and uninstalls the driver (its
            // module stays loaded until a reboot), so plan the create on the node as it will be then.
            nodeFacts = nodeFacts with { Driver = new HostDriverFacts { LoadedModuleVersion = nodeFacts.Driver.LoadedModuleVersion } };
        }

        var plan = HostDriverPlanner.Plan(config, nodeFacts);
        diagnostics.AddRange(plan.Diagnostics);
        var alreadyThere = request.Prior is null && !replacingHere && nodeFacts.Driver.InstalledVersion is not null;
        if (alreadyThere)
        {
            diagnostics.Warning($"Host driver {nodeFacts.Driver.InstalledVersion} is already on node \"{nodeFacts.NodeName}\"",
                (nodeFacts.Driver.Marker is { } ours && ours.Version == nodeFacts.Driver.InstalledVersion
                    ? "An earlier apply installed it (its marker is on the node) and did not finish or lost its state. "
                    : "It was installed outside this configuration. ") +
                "This create takes it over and only does what is still missing; nothing that is in place is reinstalled.",
                AttributePath.Of("node"));
        }

        planned = planned.With("node", Value.String(nodeFacts.NodeName)).With("id", Value.String(nodeFacts.NodeName));
        if (plan.ChangesNode)
        {
            planned = planned
                .With("installed_version", plan.Install ? Value.FromString(version) : Value.FromString(nodeFacts.Driver.InstalledVersion))
                .With("health", Value.Unknown)
                .With("reboot_required", Value.Unknown)
                .With("reboot_planned", Value.Bool(plan.RebootPlanned));
            if (plan.RebootPlanned)
            {
                diagnostics.Warning($"Node \"{nodeFacts.NodeName}\" may be rebooted during apply",
                    "vgpu_host_driver will reboot the node " + string.Join("; ", plan.RebootReasons(nodeFacts)) +
                    ". VMs on it stop. Set `reboot = \"never\"` to reboot it yourself.",
                    AttributePath.Of("reboot"));
            }
            else if (!plan.RebootAllowed && !plan.RebootBeforeInstall.IsEmpty)
            {
                diagnostics.Warning($"Node \"{nodeFacts.NodeName}\" must be rebooted before the driver can install",
                    "With `reboot = \"never\"` apply stops after preparing the node (" + string.Join("; ", plan.RebootBeforeInstall) + "). Reboot the node, then apply again.",
                    AttributePath.Of("reboot"));
            }
        }
        else
        {
            planned = planned
                .With("installed_version", Value.FromString(nodeFacts.Driver.InstalledVersion))
                .With("health", Value.String(HostDriverHealth.Describe(nodeFacts, version)))
                .With("reboot_required", Value.Bool(nodeFacts.RebootRequired))
                .With("reboot_planned", Value.False);
        }

        // a file of ours found with another owner or mode shows as this change (apply repairs it); after a change of the
        // driver, which files there are is known after apply
        planned = planned.With(NodeFileMode.AttributeName, plan.ChangesNode || request.Prior is null
            ? Value.Unknown
            : NodeFileMode.Planned(nodeFacts.HostDriverFileModes, HostDriverPlanner.OwnFiles(nodeFacts)));

        if (alreadyThere)
        {
            // A create over a driver that is already there may be the create of a tainted object, which Terraform
            // destroys first: what the node will report then is known only after apply.
            foreach (var name in new[] { "installed_version", "health", "reboot_required", "reboot_planned" })
            {
                planned = planned.With(name, Value.Unknown);
            }
        }

        return new PlanResult
        {
            Planned = planned,
            RequiresReplace = PlanDefaults.ReplacementPaths(Definition, request.Prior, planned),
            Diagnostics = diagnostics.ToImmutable(),
        };
    }

    public async Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Planned is null)
        {
            return await DeleteAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var diagnostics = new DiagnosticBag();
        Value? result = null;
        await NodeCall.RunAsync(request.Context, request.Planned, "install host driver", diagnostics, async shell =>
        {
            result = await new HostDriverConvergence(shell, request.Context, request.Planned, request.Prior, diagnostics, cancellationToken).RunAsync().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);

        // A create that failed keeps nothing in state: a state saved with an error would be tainted, and the next apply
        // would uninstall what did succeed (a driver whose reboot did not come back, an install that finished after the
        // connection dropped). What got done is on the node (the marker written by the install itself); the next
        // create reads it there and continues, as after timeouts.create.
        var keep = request.Prior is null && diagnostics.HasErrors ? null : result ?? request.Prior;
        return new ApplyResult { NewState = keep, Diagnostics = diagnostics.ToImmutable() };
    }

    public async Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new DiagnosticBag();
        var facts = await ReadFactsAsync(request.Context, request.State, "read host driver", diagnostics, cancellationToken).ConfigureAwait(false);
        if (facts is null)
        {
            return new ReadResult { NewState = request.State, Diagnostics = diagnostics.ToImmutable() };
        }

        if (facts.Driver.InstalledVersion is null)
        {
            return new ReadResult { NewState = null, Diagnostics = diagnostics.ToImmutable() };
        }

        var state = HostDriverState.From(request.State, facts, request.State["version"].StringOrNull, request.State["installer_sha256"].StringOrNull, rebootPlanned: false);
        return new ReadResult { NewState = state, Diagnostics = diagnostics.ToImmutable() };
    }

    public async Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new DiagnosticBag();
        var basis = Value.Object(Definition.Attributes.Select(a => new KeyValuePair<string, Value>(a.Name, a.Default ?? Value.Null)))
            .With("node", Value.String(request.Id));
        var facts = await ReadFactsAsync(request.Context, basis, "import host driver", diagnostics, cancellationToken).ConfigureAwait(false);
        if (facts is null)
        {
            return new ImportResult { Diagnostics = diagnostics.ToImmutable() };
        }

        if (facts.Driver.InstalledVersion is not { } version)
        {
            diagnostics.Error("Unable to import host driver",
                $"Node \"{facts.NodeName}\" has no NVIDIA host driver installed (no nvidia module, nvidia-smi, DKMS entry or installer files). Create the resource instead.",
                AttributePath.Of("node"));
            return new ImportResult { Diagnostics = diagnostics.ToImmutable() };
        }

        // dkms is what the node does, not what an installer was once told: registered with a DKMS that can rebuild it.
        var marker = facts.Driver.Marker is { } m && m.Version == version ? m : null;
        basis = basis.With("dkms", Value.Bool(HostDriverPlanner.RegisteredWithDkms(facts)));
        var state = HostDriverState.From(basis, facts, version, marker?.Sha256, rebootPlanned: false);
        return new ImportResult { State = state, Diagnostics = diagnostics.ToImmutable() };
    }

    private static async Task<ApplyResult> DeleteAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        var prior = request.Prior;
        if (prior is null)
        {
            return new ApplyResult();
        }

        var removed = await NodeCall.RunAsync(request.Context, prior, "uninstall host driver", diagnostics, async shell =>
        {
            var nodeLock = await shell.LockAsync(HostDriverConvergence.LockName, cancellationToken).ConfigureAwait(false);
            await using (nodeLock.ConfigureAwait(false))
            {
                return await HostDriverConvergence.AwaitEarlierOperationAsync(shell, request.Context, diagnostics, "uninstall host driver", cancellationToken).ConfigureAwait(false)
                    && await UninstallAsync(shell, request, prior, diagnostics, cancellationToken).ConfigureAwait(false);
            }
        }).ConfigureAwait(false);
        return new ApplyResult { NewState = removed ? null : prior, Diagnostics = diagnostics.ToImmutable() };
    }

    private static async Task<bool> UninstallAsync(IRemoteShell shell, ApplyRequest request, Value prior, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        {
            var facts = await NodeFactsCache.Shared.RefreshAsync(shell, request.Context.Time, cancellationToken).ConfigureAwait(false);
            var guard = ImmutableArray.CreateBuilder<Diagnostic>();
            HostDriverPlanner.AddRunningVmGuard(guard, facts, prior["force_destroy"].BoolOrNull ?? false, "uninstall host driver");
            if (guard.Count > 0)
            {
                diagnostics.AddRange(guard);
                return false;
            }

            if (facts.Driver.InstalledVersion is not null || facts.Driver.HasUninstaller)
            {
                await shell.RunAsync(HostDriverCommands.StopServices, cancellationToken).ConfigureAwait(false);
                var staged = prior["version"].StringOrNull is { } v
                    ? HostDriverCommands.InstallerPath(HostDriverPlanner.RemoteFileName(HostDriverConfig.From(prior), v))
                    : null;
                var result = await RemoteOperation.RunAsync(shell, HostDriverCommands.OperationName, HostDriverCommands.Uninstall(facts.Driver.HasUninstaller, staged), request.Context.Time, cancellationToken).ConfigureAwait(false);
                NodeFactsCache.Shared.Invalidate(shell);
                if (!result.Succeeded)
                {
                    diagnostics.Error("Unable to uninstall host driver",
                        $"Node \"{shell.NodeName}\": `{HostDriverCommands.Uninstall(facts.Driver.HasUninstaller, staged).RenderForLog()}` exited with {result.ExitCode}:\n{NvidiaInstallerParser.RelevantLines(result.StandardError + "\n" + result.StandardOutput)}\nRun it by hand to see why (see /var/log/nvidia-uninstall.log), then destroy again.",
                        AttributePath.Of("node"));
                    return false;
                }
            }

            await shell.RunAsync(HostDriverCommands.RemoveMarkers, cancellationToken).ConfigureAwait(false);
            facts = await NodeFactsCache.Shared.RefreshAsync(shell, request.Context.Time, cancellationToken).ConfigureAwait(false);
            if (facts.Driver.LoadedModuleVersion is not null)
            {
                await shell.WriteFileAsync(HostDriverCommands.RebootMarker(["host driver uninstalled; the nvidia module stays loaded until a reboot"]), cancellationToken).ConfigureAwait(false);
                NodeFactsCache.Shared.Invalidate(shell);
                diagnostics.Warning($"Node \"{shell.NodeName}\" needs a reboot",
                    "The host driver is uninstalled, but its kernel module stays loaded until the node reboots. Reboot it when convenient.",
                    AttributePath.Of("node"));
            }

            return true;
        }
    }

    internal static async Task<NodeFacts?> ReadFactsAsync(ResourceContext context, Value config, string verbAndThing, DiagnosticBag diagnostics, CancellationToken cancellationToken) =>
        await NodeCall.RunAsync(context, config, verbAndThing, diagnostics,
            shell => NodeFactsCache.Shared.GetAsync(shell, context.Time, cancellationToken)).ConfigureAwait(false);

    /// <summary>SHA-256 of a local installer; null (and an error) when it cannot be read.</summary>
    internal static async Task<string?> LocalSha256Async(string path, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        try
        {
            var stream = File.OpenRead(path);
            await using (stream.ConfigureAwait(false))
            {
                return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            diagnostics.Error("Unable to read installer_source",
                $"{path}: {e.Message} Check the path (relative paths are relative to the directory Terraform/Pulumi runs in).",
                AttributePath.Of("installer_source"));
            return null;
        }
    }

    private static Value Unknowns(Value planned, Value? prior)
    {
        foreach (var name in new[] { "installed_version", "health", "reboot_required", "reboot_planned", NodeFileMode.AttributeName })
        {
            planned = planned.With(name, Value.Unknown);
        }

        return prior is null ? planned.With("id", Value.Unknown) : planned;
    }

    internal static void LogStep(ResourceContext context, string node, string message) =>
        context.Log.Progress($"vgpu_host_driver {node}", message);

    internal static IEngineLog Log(ResourceContext context) => context.Log;
}
