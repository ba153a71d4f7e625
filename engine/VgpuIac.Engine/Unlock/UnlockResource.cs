using System.Collections.Immutable;
using System.Security.Cryptography;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.Unlock.UnlockDefinition;

namespace VgpuIac.Engine.Unlock;

/// <summary><c>vgpu_unlock</c>: vgpu_unlock-rs installed and preloaded into the NVIDIA vGPU services of one node.</summary>
internal sealed class UnlockResource : IResource
{
    public ResourceDefinition Definition => D.Definition;

    public IEnumerable<Diagnostic> Validate(Value config) => UnlockPlanner.Validate(config);

    public async Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        if (request.ProposedNewState is null)
        {
            return await PlanDestroyAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var diagnostics = new DiagnosticBag();
        diagnostics.AddRange(Validate(request.Config).Where(d => d.IsError));
        if (diagnostics.HasErrors)
        {
            return new PlanResult { Diagnostics = diagnostics.ToImmutable() };
        }

        var config = request.Config;
        var localSha = await LocalSha256Async(config, diagnostics, cancellationToken).ConfigureAwait(false);
        if (diagnostics.HasErrors)
        {
            return new PlanResult { Diagnostics = diagnostics.ToImmutable() };
        }

        var plan = await NodeCall.RunAsync(request.Context, config, "plan vgpu_unlock", diagnostics, async shell =>
        {
            var path = config[D.LibraryPath].StringOrNull ?? D.DefaultLibraryPath;
            var facts = await UnlockFactsCache.Shared.GetAsync(shell, path, request.Context.Time, cancellationToken).ConfigureAwait(false);
            diagnostics.AddRange(UnlockPlanner.CheckGpus(facts.Gpus, config[D.Unlock].BoolOrNull ?? true));
            var result = UnlockPlanner.Plan(config, request.Prior, shell.NodeName, facts, localSha);
            if (result.Planned is { } planned && !planned[D.LibrarySha256].IsUnknown && !planned[D.Unlock].IsUnknown && !planned[D.UnlockMigration].IsUnknown)
            {
                var spec = UnlockSpec.FromValue(planned);
                var steps = UnlockPlanner.Steps(spec, facts);
                var units = steps.Any(s => s.Kind == UnlockStepKind.RestartServices) ? D.Units.Where(facts.ExistingUnits.Contains).ToList() : [];
                await AddRestartDiagnosticsAsync(shell, request.Context, units, UnlockPlanner.RestartReasons(spec, facts, steps), spec.RestartWithRunningVms, "apply", refresh: false, diagnostics, cancellationToken).ConfigureAwait(false);
            }

            return result;
        }).ConfigureAwait(false);

        return diagnostics.HasErrors
            ? new PlanResult { Diagnostics = diagnostics.ToImmutable() }
            : (plan ?? new PlanResult()) with { Diagnostics = diagnostics.ToImmutable() };
    }

    public async Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        if (request.Planned is null)
        {
            var prior = request.Prior;
            if (prior is null)
            {
                return new ApplyResult();
            }

            var removed = await NodeCall.RunAsync(request.Context, prior, "delete vgpu_unlock", diagnostics, async shell =>
            {
                var spec = UnlockSpec.FromValue(prior);
                var created = UnlockState.CreatedPathsOf(prior);
                var facts = await UnlockProbe.RunAsync(shell, spec.LibraryPath, cancellationToken).ConfigureAwait(false);
                var units = UnlockNode.RemovalRestarts(facts, created);
                if (!await AddRestartDiagnosticsAsync(shell, request.Context, units, DestroyReasons(facts), spec.RestartWithRunningVms, "destroy", refresh: true, diagnostics, cancellationToken).ConfigureAwait(false))
                {
                    return false;
                }

                try
                {
                    return await UnlockNode.RemoveAsync(shell, facts, created, diagnostics, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    Forget(shell);
                }
            }).ConfigureAwait(false);
            return new ApplyResult { NewState = removed ? null : prior, Diagnostics = diagnostics.ToImmutable() };
        }

        var planned = request.Planned;
        if (planned[D.LibrarySha256].IsUnknown)
        {
            var sha = await LocalSha256Async(planned, diagnostics, cancellationToken).ConfigureAwait(false);
            if (sha is null)
            {
                return new ApplyResult { NewState = request.Prior, Diagnostics = diagnostics.ToImmutable() };
            }

            planned = planned.With(D.LibrarySha256, Value.String(sha));
        }

        var spec = UnlockSpec.FromValue(planned);
        var state = await NodeCall.RunAsync(request.Context, planned, "apply vgpu_unlock", diagnostics, async shell =>
        {
            var facts = await UnlockProbe.RunAsync(shell, spec.LibraryPath, cancellationToken).ConfigureAwait(false);
            var gpuDiagnostics = UnlockPlanner.CheckGpus(facts.Gpus, spec.Unlock).ToList();
            if (gpuDiagnostics.Any(d => d.IsError))
            {
                diagnostics.AddRange(gpuDiagnostics);
                return null;
            }

            var steps = UnlockPlanner.Steps(spec, facts);
            var created = UnlockState.CreatedPathsOf(request.Prior);
            if (!steps.IsEmpty)
            {
                // running VMs are checked again: one may have started since the plan (the plan's warning is not repeated)
                var units = steps.Any(s => s.Kind == UnlockStepKind.RestartServices) ? D.Units.Where(facts.ExistingUnits.Contains).ToList() : [];
                var check = new DiagnosticBag();
                if (!await AddRestartDiagnosticsAsync(shell, request.Context, units, UnlockPlanner.RestartReasons(spec, facts, steps), spec.RestartWithRunningVms, "apply", refresh: true, check, cancellationToken).ConfigureAwait(false))
                {
                    diagnostics.AddRange(check);
                    return null;
                }

                ImmutableArray<string>? added;
                try
                {
                    added = await UnlockNode.ApplyAsync(shell, spec, facts, steps, request.Context.Log, diagnostics, cancellationToken).ConfigureAwait(false);
                    if (added is null)
                    {
                        // a failed first apply leaves no empty folder of ours behind (those holding a file stay)
                        await UnlockNode.RemoveEmptyFoldersAsync(shell, facts.MissingFolders, cancellationToken).ConfigureAwait(false);
                        return null;
                    }
                }
                finally
                {
                    Forget(shell);
                }

                created = [.. created.Concat(added.Value).Distinct()];
            }

            var after = await UnlockProbe.RunAsync(shell, spec.LibraryPath, cancellationToken).ConfigureAwait(false);
            if (!string.Equals(after.LibrarySha256, spec.LibrarySha256, StringComparison.Ordinal))
            {
                diagnostics.Error("Unable to install vgpu_unlock-rs", $"After installing, {spec.LibraryPath} on node \"{shell.NodeName}\" has SHA-256 {after.LibrarySha256 ?? "(missing)"}, not {spec.LibrarySha256}. Check that nothing else writes that path, then run apply again.", AttributePath.Of(D.LibraryPath));
            }

            return new UnlockState { Node = shell.NodeName, Source = spec, Facts = after, CreatedPaths = created }.ToValue()
                .With(D.LibrarySha256, planned[D.LibrarySha256]);
        }).ConfigureAwait(false);

        return new ApplyResult { NewState = state ?? request.Prior, Diagnostics = diagnostics.ToImmutable() };
    }

    public async Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        var prior = request.State;
        var spec = UnlockSpec.FromValue(prior);
        var read = await NodeCall.RunAsync(request.Context, prior, "read vgpu_unlock", diagnostics, async shell =>
        {
            var facts = await UnlockFactsCache.Shared.RefreshAsync(shell, spec.LibraryPath, request.Context.Time, cancellationToken).ConfigureAwait(false);
            var state = new UnlockState { Node = shell.NodeName, Source = spec, Facts = facts, CreatedPaths = UnlockState.CreatedPathsOf(prior) };
            return new Refreshed(state.Gone ? null : state.ToValue().With(D.LibrarySha256, prior[D.LibrarySha256]));
        }).ConfigureAwait(false);

        return new ReadResult { NewState = read is null ? prior : read.State, Diagnostics = diagnostics.ToImmutable() };
    }

    public async Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        var node = Value.Object((ProviderSchema.NodeAttribute.Name, Value.String(request.Id)));
        var state = await NodeCall.RunAsync(request.Context, node, "import vgpu_unlock", diagnostics, async shell =>
        {
            var facts = await UnlockProbe.RunAsync(shell, D.DefaultLibraryPath, cancellationToken).ConfigureAwait(false);
            var libraryPath = D.DefaultLibraryPath;
            if (UnlockPlanner.PreloadedLibrary(facts) is { } preloaded && preloaded != D.DefaultLibraryPath)
            {
                // the drop-ins name where the library was installed (library_path was not the default)
                libraryPath = preloaded;
                facts = await UnlockProbe.RunAsync(shell, libraryPath, cancellationToken).ConfigureAwait(false);
            }

            var found = new UnlockState
            {
                Node = shell.NodeName,
                Source = new UnlockSpec { LibrarySha256 = facts.LibrarySha256, LibraryPath = libraryPath, RestartWithRunningVms = false },
                Facts = facts,
            };
            if (found.Gone)
            {
                diagnostics.Error("Unable to import vgpu_unlock", $"Node \"{shell.NodeName}\" has no vgpu_unlock-rs: no library at {libraryPath}, no {D.DropInName} drop-in and no {D.ConfigPath}. Create the resource instead of importing it.");
                return null;
            }

            return found.ToValue();
        }).ConfigureAwait(false);

        return new ImportResult { State = state, Diagnostics = diagnostics.ToImmutable() };
    }

    /// <summary>A destroy removes drop-ins and files the resource created; the warning of its restart, and the refusal, come here.</summary>
    private static async Task<PlanResult> PlanDestroyAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        if (request.Prior is { } prior)
        {
            await NodeCall.RunAsync(request.Context, prior, "plan the destroy of vgpu_unlock", diagnostics, async shell =>
            {
                var spec = UnlockSpec.FromValue(prior);
                var facts = await UnlockFactsCache.Shared.GetAsync(shell, spec.LibraryPath, request.Context.Time, cancellationToken).ConfigureAwait(false);
                var units = UnlockNode.RemovalRestarts(facts, UnlockState.CreatedPathsOf(prior));
                return await AddRestartDiagnosticsAsync(shell, request.Context, units, DestroyReasons(facts), spec.RestartWithRunningVms, "destroy", refresh: false, diagnostics, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        // a node that cannot be reached does not block planning a destroy: apply says so if it still cannot
        return new PlanResult { Planned = null, Diagnostics = [.. diagnostics.Where(d => !d.IsError || d.Summary.StartsWith("Unable to restart", StringComparison.Ordinal))] };
    }

    private static ImmutableArray<string> DestroyReasons(UnlockNodeFacts facts) =>
        [$"the {D.DropInName} drop-ins are removed{(facts.DropIns.IsEmpty ? string.Empty : $" ({string.Join(", ", facts.DropIns.Keys)})")} and the services must run without vgpu_unlock-rs"];

    /// <summary>
    /// Adds the restart warning (or the refusal) for restarting <paramref name="units"/>; false when refused. Running vGPU VMs
    /// come from the node facts (<paramref name="refresh"/>: probe now, as apply does; else the shared cache).
    /// </summary>
    private static async Task<bool> AddRestartDiagnosticsAsync(
        IRemoteShell shell, ResourceContext context, IReadOnlyList<string> units, IReadOnlyList<string> reasons, bool allowRunningVms, string verb, bool refresh, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        if (units.Count == 0)
        {
            return true;
        }

        var node = refresh
            ? await NodeFactsCache.Shared.RefreshAsync(shell, context.Time, cancellationToken).ConfigureAwait(false)
            : await NodeFactsCache.Shared.GetAsync(shell, context.Time, cancellationToken).ConfigureAwait(false);
        var found = UnlockPlanner.RestartDiagnostics(shell.NodeName, units, reasons, [.. node.RunningVgpuVms], allowRunningVms, verb).ToList();
        diagnostics.AddRange(found);
        return !found.Any(d => d.IsError);
    }

    /// <summary>After a change: cached facts of this node are stale.</summary>
    private static void Forget(IRemoteShell shell)
    {
        UnlockFactsCache.Shared.Invalidate(shell);
        NodeFactsCache.Shared.Invalidate(shell);
    }

    /// <summary>SHA-256 of <c>library_source</c> (null when not used, unknown or unreadable; unreadable adds an error).</summary>
    private static async Task<string?> LocalSha256Async(Value config, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        if (config[D.LibrarySource].StringOrNull is not { } source)
        {
            return null;
        }

        try
        {
            var stream = File.OpenRead(source);
            await using (stream.ConfigureAwait(false))
            {
                var hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
                if (config[D.LibrarySha256].StringOrNull is { } expected && !string.Equals(expected.Trim(), hash, StringComparison.OrdinalIgnoreCase))
                {
                    diagnostics.Error("Unable to use library_source", $"{source} has SHA-256 {hash}, not the configured library_sha256 {expected}. Point library_source at the right file or update library_sha256.", AttributePath.Of(D.LibrarySha256));
                    return null;
                }

                return hash;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            diagnostics.Error("Unable to read library_source", $"{source}: {e.Message}. Give the path of a readable local file (relative paths are relative to the directory Terraform/Pulumi runs in).", AttributePath.Of(D.LibrarySource));
            return null;
        }
    }

    private sealed record Refreshed(Value? State);
}
