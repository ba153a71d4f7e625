using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;
using D = VgpuIac.Engine.ProfileOverride.ProfileOverrideDefinition;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>
/// <c>vgpu_profile_override</c>: one section of <c>/etc/vgpu_unlock/profile_override.toml</c>. Every write is a
/// read-modify-write inside the node-wide lock, touches only this section, and is followed by a read-back.
/// </summary>
internal sealed class ProfileOverrideResource : IResource
{
    private const string Thing = "vGPU profile override";

    public ResourceDefinition Definition => D.Definition;

    public IEnumerable<Diagnostic> Validate(Value config) => ProfileOverridePlanner.Validate(config);

    public async Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        if (request.ProposedNewState is null)
        {
            return PlanDestroy(request.Prior);
        }

        var diagnostics = new DiagnosticBag();
        diagnostics.AddRange(Validate(request.Config).Where(d => d.IsError));
        if (diagnostics.HasErrors)
        {
            return new PlanResult { Diagnostics = diagnostics.ToImmutable() };
        }

        var config = request.Config;
        var prior = request.Prior;
        diagnostics.AddRange(ProfileOverridePlanner.Warnings(config));
        var plan = await NodeCall.RunAsync(request.Context, config, $"plan {Thing}", diagnostics, async shell =>
        {
            string? resolved = null;
            var name = config[D.MdevTypeName].StringOrNull;
            var priorKnowsName = prior is not null && prior[D.MdevTypeName].StringOrNull == name && prior[D.MdevType].StringOrNull is not null;
            if (name is not null && config[D.MdevType].IsNull && !priorKnowsName)
            {
                var types = await ProfileOverrideNode.TypesAsync(shell, cancellationToken).ConfigureAwait(false);
                resolved = ResolveTypeName(name, types, shell.NodeName, diagnostics, mustExist: false);
            }

            var result = ProfileOverridePlanner.Plan(config, prior, shell.NodeName, resolved);
            var file = await ProfileOverrideFileCache.Shared.GetAsync(shell, request.Context.Time, cancellationToken).ConfigureAwait(false);
            var document = Parse(file, shell.NodeName, "plan", diagnostics);
            var spec = ProfileOverrideSpec.FromValue(result.Planned!);
            if (document is not null && spec.Section is { } section)
            {
                var lookup = document.Find(section);
                if (CheckEditable(lookup, shell.NodeName, "plan", diagnostics) && prior is null)
                {
                    var replacingOurs = string.Equals(request.Replacing, D.IdOf(shell.NodeName, section), StringComparison.Ordinal);
                    if (lookup.Exists && !replacingOurs)
                    {
                        // a hand-written section: taken over visibly, its text recorded at apply for destroy to put back
                        diagnostics.Add(ProfileOverridePlanner.AdoptionWarning(shell.NodeName, section, lookup, spec.DesiredEntries() is { } desired ? desired : null));
                    }

                    result = result with { Planned = result.Planned!.With(D.AdoptedSection, lookup.Exists || replacingOurs ? Value.Unknown : Value.Null) };
                }
            }

            // after any apply the file is there, root:root 0644: another owner or mode found by the refresh shows as this change
            return result with { Planned = result.Planned!.With(NodeFileMode.AttributeName, ProfileOverrideNode.PlannedFileModes) };
        }).ConfigureAwait(false);

        return (plan ?? new PlanResult()) with { Diagnostics = diagnostics.ToImmutable() };
    }

    public async Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        if (request.Planned is null)
        {
            if (request.Prior is not null)
            {
                await DeleteAsync(request.Context, request.Prior, diagnostics, cancellationToken).ConfigureAwait(false);
            }

            return new ApplyResult { NewState = diagnostics.HasErrors ? request.Prior : null, Diagnostics = diagnostics.ToImmutable() };
        }

        var planned = request.Planned;
        var state = await NodeCall.RunAsync(request.Context, planned, $"apply {Thing}", diagnostics, async shell =>
        {
            if (planned[D.MdevType].IsUnknown)
            {
                var types = await ProfileOverrideNode.TypesAsync(shell, cancellationToken).ConfigureAwait(false);
                var resolved = ResolveTypeName(planned[D.MdevTypeName].StringOrNull ?? string.Empty, types, shell.NodeName, diagnostics, mustExist: true);
                if (resolved is null)
                {
                    return null;
                }

                planned = planned.With(D.MdevType, Value.String(resolved));
            }

            var spec = ProfileOverrideSpec.FromValue(planned);
            var section = spec.Section ?? throw new InvalidOperationException("the planned target is unknown at apply");
            var desired = spec.DesiredEntries() ?? throw new InvalidOperationException("a planned override value is unknown at apply");

            SectionLookup written;
            string? adopted;
            ImmutableArray<long> vms;
            ProfileOverrideFile afterFile;
            await using (await shell.LockAsync(D.LockName, cancellationToken).ConfigureAwait(false))
            {
                var file = await ProfileOverrideNode.ReadAsync(shell, cancellationToken).ConfigureAwait(false);
                var document = Parse(file, shell.NodeName, "apply", diagnostics);
                if (document is null || !CheckEditable(document.Find(section), shell.NodeName, "apply", diagnostics))
                {
                    return null;
                }

                // a create over an existing section records its text (destroy puts it back); an update keeps what was recorded
                adopted = request.Prior is null
                    ? planned[D.AdoptedSection].IsNull ? null : document.SectionText(section)
                    : request.Prior[D.AdoptedSection].StringOrNull;
                var text = document.WithSection(section, desired);
                var rewrite = !file.Exists || !string.Equals(text, document.Text, StringComparison.Ordinal);
                if (!rewrite && file.Mode != NodeFileMode.Ours(ProfileOverrideNode.FileMode))
                {
                    // the content is right; only the owner or mode is not ours
                    request.Context.Log.Progress($"apply {Thing}", $"setting owner root:root and mode 0644 on {D.FilePath}");
                    ProfileOverrideFileCache.Shared.Invalidate(shell);
                    var repair = await ProfileOverrideNode.RepairModeAsync(shell, cancellationToken).ConfigureAwait(false);
                    if (!repair.Succeeded)
                    {
                        diagnostics.Error($"Unable to apply {Thing}", $"Setting owner root:root and mode 0644 on {D.FilePath} on node \"{shell.NodeName}\" (now {file.Mode?.Describe()}) failed: {repair.StandardError.Trim()}. Check the file (an immutable attribute, a read-only mount), then run apply again.");
                        return null;
                    }
                }

                if (rewrite)
                {
                    request.Context.Log.Progress($"apply {Thing}", $"writing [{section.Name}] in {D.FilePath}");
                    try
                    {
                        await ProfileOverrideNode.WriteAsync(shell, file, text, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        ProfileOverrideFileCache.Shared.Invalidate(shell);
                    }
                }

                // the read-back also finds the running VMs that must restart to pick the section up (one round trip)
                var readBack = await ProfileOverrideNode.ReadAsync(shell, section, cancellationToken).ConfigureAwait(false);
                afterFile = readBack.File;
                vms = readBack.RestartRequiredVms;
                var after = Parse(afterFile, shell.NodeName, "read back", diagnostics);
                if (after is null)
                {
                    return null;
                }

                written = after.Find(section);
            }

            return (ProfileOverrideState.FromEntries(shell.NodeName, section, written.Entries, planned, vms) with { AdoptedSection = adopted, FileModes = ProfileOverrideNode.FileModes(afterFile) }).ToValue();
        }).ConfigureAwait(false);

        return new ApplyResult { NewState = state ?? request.Prior, Diagnostics = diagnostics.ToImmutable() };
    }

    public async Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        var section = SectionOf(request.State);
        if (section is null)
        {
            return new ReadResult { NewState = request.State };
        }

        var read = await NodeCall.RunAsync(request.Context, request.State, $"read {Thing}", diagnostics, shell =>
            ReadSectionAsync(shell, request.Context, section, request.State, "read", diagnostics, cancellationToken)).ConfigureAwait(false);
        return new ReadResult
        {
            NewState = read is null ? request.State : read.Gone ? null : read.State,
            Diagnostics = diagnostics.ToImmutable(),
        };
    }

    public async Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        var slash = request.Id.IndexOf('/', StringComparison.Ordinal);
        var section = slash > 0 ? OverrideSection.Parse(request.Id[(slash + 1)..]) : null;
        if (section is null)
        {
            diagnostics.Error(
                $"Unable to import {Thing}",
                $"\"{request.Id}\" is not an import id. Use <node>/profile.<type id> (pve1/profile.nvidia-46), <node>/vm.<vmid> (pve1/vm.104) or <node>/mdev.<lower-case uuid>.");
            return new ImportResult { Diagnostics = diagnostics.ToImmutable() };
        }

        var node = Value.Object((ProviderSchema.NodeAttribute.Name, Value.String(request.Id[..slash])));
        var read = await NodeCall.RunAsync(request.Context, node, $"import {Thing}", diagnostics, shell =>
            ReadSectionAsync(shell, request.Context, section, null, "import", diagnostics, cancellationToken)).ConfigureAwait(false);
        if (read is { Gone: true })
        {
            diagnostics.Error(
                $"Unable to import {Thing}",
                $"{D.FilePath} on node \"{request.Id[..slash]}\" has no [{section.Name}] section. Check the id, or create the section with this resource instead of importing it.");
        }

        return new ImportResult { State = read is { Gone: false } ? read.State : null, Diagnostics = diagnostics.ToImmutable() };
    }

    /// <summary>
    /// Reads the section for a refresh (<paramref name="prior"/> set) or an import (null). The file read is kept for the plan
    /// that follows.
    /// </summary>
    private static async Task<SectionRead> ReadSectionAsync(IRemoteShell shell, ResourceContext context, OverrideSection section, Value? prior, string verb, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        // one round trip: the file and the VMs that must restart for the section
        var read = await ProfileOverrideFileCache.Shared.RefreshAsync(shell, section, context.Time, cancellationToken).ConfigureAwait(false);
        var file = read.File;
        if (!file.Exists)
        {
            return new SectionRead(true, null);
        }

        var document = Parse(file, shell.NodeName, verb, diagnostics);
        if (document is null)
        {
            return new SectionRead(false, prior);
        }

        var lookup = document.Find(section);
        if (!lookup.Exists)
        {
            return new SectionRead(true, null);
        }

        if (!CheckEditable(lookup, shell.NodeName, verb, diagnostics))
        {
            return new SectionRead(false, prior);
        }

        var vms = read.RestartRequiredVms;
        // an import brings the section under management as it is: destroy then removes it (its plan lists every key)
        var adopted = prior?[D.AdoptedSection].StringOrNull;
        return new SectionRead(false, (ProfileOverrideState.FromEntries(shell.NodeName, section, lookup.Entries, prior, vms) with { AdoptedSection = adopted, FileModes = ProfileOverrideNode.FileModes(file) }).ToValue());
    }

    private static async Task DeleteAsync(ResourceContext context, Value prior, DiagnosticBag diagnostics, CancellationToken cancellationToken)
    {
        var section = SectionOf(prior);
        if (section is null)
        {
            return;
        }

        await NodeCall.RunAsync(context, prior, $"delete {Thing}", diagnostics, async shell =>
        {
            await using (await shell.LockAsync(D.LockName, cancellationToken).ConfigureAwait(false))
            {
                var file = await ProfileOverrideNode.ReadAsync(shell, cancellationToken).ConfigureAwait(false);
                if (!file.Exists)
                {
                    return true;
                }

                var document = Parse(file, shell.NodeName, "delete", diagnostics);
                if (document is null || !CheckEditable(document.Find(section), shell.NodeName, "delete", diagnostics))
                {
                    return false;
                }

                // a section taken over by a create goes back to what it was; one the resource created or imported goes
                var text = prior[D.AdoptedSection].StringOrNull is { } adopted ? document.WithSectionText(section, adopted) : document.WithoutSection(section);
                if (!string.Equals(text, document.Text, StringComparison.Ordinal))
                {
                    try
                    {
                        await ProfileOverrideNode.WriteAsync(shell, file, text, cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        ProfileOverrideFileCache.Shared.Invalidate(shell);
                    }
                }

                return true;
            }
        }).ConfigureAwait(false);
    }

    /// <summary>A destroy changes only the section; the plan says so when it puts back a section taken over from the user.</summary>
    private static PlanResult PlanDestroy(Value? prior)
    {
        if (prior?[D.AdoptedSection].StringOrNull is not { } adopted || SectionOf(prior) is not { } section)
        {
            return new PlanResult { Planned = null };
        }

        var lines = adopted.Split('\n').Count(l => l.Trim().Length > 0);
        return new PlanResult
        {
            Planned = null,
            Diagnostics =
            [
                Diagnostic.Warning(
                    $"Destroy puts [{section.Name}] back as it was",
                    $"[{section.Name}] in {D.FilePath} on node \"{prior[ProviderSchema.NodeAttribute.Name].StringOrNull}\" existed before this resource took it over, so destroy does not remove it: it writes back the {lines} line(s) recorded in adopted_section. " +
                    "Everything else in the file stays as it is. To remove the section too, delete it by hand afterwards.",
                    AttributePath.Of(D.Section)),
            ],
        };
    }

    private static OverrideSection? SectionOf(Value state) =>
        state[D.Section].StringOrNull is { } name ? OverrideSection.Parse(name) : ProfileOverrideSpec.FromValue(state).Section;

    /// <summary>The parsed file (empty when missing), or null with an error when it cannot be read as TOML.</summary>
    private static ProfileOverrideDocument? Parse(ProfileOverrideFile file, string node, string verb, DiagnosticBag diagnostics)
    {
        if (!file.Exists)
        {
            return ProfileOverrideDocument.Empty;
        }

        TomlSyntaxError? error = null;
        var document = file.EncodingError is null ? ProfileOverrideDocument.Parse(file.Text, out error) : null;
        if (document is null)
        {
            var what = file.EncodingError ?? $"it is not valid TOML at line {error!.Line}, column {error.Column}: {error.Message}";
            diagnostics.Error(
                $"Unable to {verb} {Thing}",
                $"{D.FilePath} on node \"{node}\" cannot be edited: {what}. vgpu_unlock-rs cannot read it either, so vGPU VMs fail to start. " +
                "Fix the file by hand (or move it away); the provider never overwrites a file it cannot parse, so nothing was changed.");
        }

        return document;
    }

    private static bool CheckEditable(SectionLookup lookup, string node, string verb, DiagnosticBag diagnostics)
    {
        if (lookup.Uneditable is null)
        {
            return true;
        }

        diagnostics.Error(
            $"Unable to {verb} {Thing}",
            $"In {D.FilePath} on node \"{node}\", {lookup.Uneditable}. Rewrite it by hand as a plain table (a [section] header followed by key = value lines); the provider edits only such tables so that it never re-formats text it does not own.");
        return false;
    }

    private static string? ResolveTypeName(string name, ImmutableArray<(string Id, string Name)> types, string node, DiagnosticBag diagnostics, bool mustExist)
    {
        var ids = types.Where(t => string.Equals(t.Name, name.Trim(), StringComparison.Ordinal)).Select(t => t.Id).Distinct().ToList();
        if (ids.Count == 1)
        {
            return ids[0];
        }

        var path = AttributePath.Of(D.MdevTypeName);
        if (ids.Count > 1)
        {
            diagnostics.Error($"Unable to resolve vGPU type name", $"\"{name}\" names several types on node \"{node}\" ({string.Join(", ", ids)}). Set mdev_type to the one you mean.", path);
        }
        else if (mustExist)
        {
            var offered = types.IsEmpty ? "The node offers no vGPU types: check that the host driver is loaded (and, on a consumer GPU, vgpu_unlock)." : $"The node offers: {string.Join(", ", types.Select(t => $"{t.Name} ({t.Id})").Take(40))}.";
            diagnostics.Error("Unable to resolve vGPU type name", $"Node \"{node}\" has no vGPU type named \"{name}\". {offered} Fix mdev_type_name or set mdev_type.", path);
        }

        return null;
    }

    private sealed record SectionRead(bool Gone, Value? State);
}
