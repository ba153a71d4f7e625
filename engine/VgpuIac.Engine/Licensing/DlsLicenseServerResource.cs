using System.Globalization;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// <c>vgpu_dls_license_server</c>: plan, apply, read, import and delete a FastAPI-DLS instance. Decisions live in
/// <see cref="DlsPlanner"/>, commands in <see cref="DlsCommands"/>, the mapping to state in <see cref="DlsStateMapping"/>.
/// </summary>
internal sealed class DlsLicenseServerResource : IResource
{
    public ResourceDefinition Definition => DlsLicenseServerDefinition.Definition;

    public IEnumerable<Diagnostic> Validate(Value config)
    {
        foreach (var d in AttributeValidation.Run(Definition, config))
        {
            yield return d;
        }

        if (config["image"].StringOrNull is { } image && !image.Contains("latest", StringComparison.Ordinal))
        {
            var major = DlsImage.Major(image);
            if (major is not (1 or 2))
            {
                yield return Diagnostic.Error("Unsupported FastAPI-DLS version",
                    $"The image \"{image}\" names FastAPI-DLS {major}.x; VgpuIac writes the configuration of 1.x and 2.x only. Use a 2.x image such as {DlsImage.Default} (FastAPI-DLS {DlsImage.DefaultTag}).",
                    AttributePath.Of("image"));
            }
        }

        var hosting = config["hosting"];
        if (hosting.IsUnknown || hosting.StringOrNull is "docker_host")
        {
            yield break;
        }

        if (config["vmid"].IsNull)
        {
            yield return Diagnostic.Error("Missing required argument", "hosting = \"lxc\" creates a container: set `vmid` to a free container ID (e.g. 250).", AttributePath.Of("vmid"));
        }

        if (config["ip_address"].IsNull)
        {
            yield return Diagnostic.Error("Missing required argument", "hosting = \"lxc\" needs the container's address: set `ip_address` (e.g. \"192.168.1.50/24\", or \"dhcp\").", AttributePath.Of("ip_address"));
        }
    }

    /// <summary>
    /// The plan's warning for an image pinned by a tag only (null when pinned by digest, <c>latest</c> or an unsupported
    /// major). Warned at plan, not at validation: Terraform validates a resource with an import block twice, and a warning
    /// from validation would be shown twice for one resource.
    /// </summary>
    public static Diagnostic? TagOnlyWarning(Value config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config["image"].StringOrNull is { } image && !image.Contains("latest", StringComparison.Ordinal)
            && DlsImage.Major(image) is 1 or 2 && !DlsImage.IsDigestPinned(image) && DlsImage.Tag(image) is not null
            ? Diagnostic.Warning("Image pinned by a tag only",
                $"\"{image}\" is pinned by a tag, which its publisher can move to another build. Pin it by digest (`name@sha256:…`, or `name:tag@sha256:…` to keep the tag readable) so that every apply runs the same server.",
                AttributePath.Of("image"))
            : null;
    }

    public async Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        if (request.ProposedNewState is null)
        {
            return new PlanResult();
        }

        var diagnostics = new DiagnosticBag();

        if (TagOnlyWarning(request.Config) is { } tagOnly)
        {
            diagnostics.Add(tagOnly);
        }

        var planned = PlanDefaults.Prepare(Definition, request.Config, request.Prior);
        if (planned["dls_url"].IsKnown && planned["dls_port"].IsKnown)
        {
            var spec = DlsLicenseServerSpec.From(planned);
            planned = planned.With("url", Value.String(spec.Url)).With("client_token_url", Value.String(spec.ClientTokenUrl));
        }

        planned = planned
            .With("container_name", Value.String(DlsLicenseServerSpec.ContainerName))
            .With("status", Value.String(DlsPlanner.Running));
        var allKnown = Definition.Attributes.Where(a => !a.IsComputed || a.IsOptional).All(a => !planned[a.Name].IsUnknown);
        if (request.Prior is { } prior)
        {
            planned = planned.With("id", prior["id"]);
            if (allKnown)
            {
                var plan = DlsPlanner.PlanUpdate(DlsLicenseServerSpec.From(planned), prior);
                diagnostics.AddRange(plan.Diagnostics);
                planned = DlsStateMapping.PlanKeys(planned, prior, plan);
            }
            else
            {
                planned = DlsStateMapping.PlanKeys(planned, null, null);
            }
        }
        else
        {
            planned = DlsStateMapping.PlanKeys(planned, null, null);
            if (planned["node"].IsKnown && planned["hosting"].IsKnown && planned["vmid"].IsKnown)
            {
                // Create: is something at the target already? The object being replaced, ours unfinished, or a stranger's.
                var spec = DlsLicenseServerSpec.From(planned);
                await NodeCall.RunAsync(request.Context, planned, "plan the licence server", diagnostics, async shell =>
                {
                    var node = await ReadNodeAsync(shell, spec, cancellationToken).ConfigureAwait(false);
                    var creation = spec.IsLxc && spec.Vmid is { } vmid && node.Exists && node.Marked(spec.IsLxc) && request.Replacing != spec.Id(shell.NodeName)
                        ? await CreationClaim.ProbeAsync(shell, vmid, cancellationToken).ConfigureAwait(false)
                        : CreationStatus.Abandoned;
                    diagnostics.AddRange(DlsPlanner.CheckCreateTarget(spec, shell.NodeName, node, request.Replacing, creation));
                    return true;
                }).ConfigureAwait(false);
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
        var diagnostics = new DiagnosticBag();
        if (request.Planned is null)
        {
            var prior = request.Prior ?? request.Config;
            var priorSpec = DlsLicenseServerSpec.From(prior);
            await NodeCall.RunAsync(request.Context, prior, "delete the licence server", diagnostics, async shell =>
            {
                // on a Docker host the cert volume is the folder the container mounts (a hand-made server's may be elsewhere)
            var target = priorSpec.IsLxc ? priorSpec : priorSpec.At(await ReadNodeAsync(shell, priorSpec, cancellationToken).ConfigureAwait(false));
            var r = await shell.RunAsync(DlsCommands.Destroy(target), cancellationToken).ConfigureAwait(false);
                if (!r.Succeeded)
                {
                    diagnostics.Error("Unable to delete the licence server",
                        $"Node \"{shell.NodeName}\" answered: {Tail(r)}. " + (priorSpec.IsLxc
                            ? $"Stop and remove container {priorSpec.Vmid} by hand (pct stop/destroy) if it is stuck, then run destroy again."
                            : "Remove the Docker container fastapi-dls by hand if it is stuck, then run destroy again."));
                }

                return true;
            }).ConfigureAwait(false);
            return new ApplyResult { NewState = diagnostics.HasErrors ? request.Prior : null, Diagnostics = diagnostics.ToImmutable() };
        }

        var planned = request.Planned;
        var spec = DlsLicenseServerSpec.From(planned);
        var newState = await NodeCall.RunAsync(request.Context, planned, "apply the licence server", diagnostics, async shell =>
        {
            if (request.Prior is not null || !spec.IsLxc || spec.Vmid is not { } vmid)
            {
                return await ConvergeAsync(request.Context, shell, spec, request.Prior, planned, diagnostics, null, cancellationToken).ConfigureAwait(false);
            }

            // a create holds the vmid's claim until it hands the container to the state (see CreationClaim)
            await using var claim = await CreationClaim.TakeAsync(shell, vmid, cancellationToken).ConfigureAwait(false);
            var state = await ConvergeAsync(request.Context, shell, spec, null, planned, diagnostics, claim, cancellationToken).ConfigureAwait(false);
            if (state is not null && !diagnostics.HasErrors)
            {
                // a failed create stays claimed (tainted in this state): its replacement's create finds it unfinished, not another state's
                await claim.HandOverAsync(cancellationToken).ConfigureAwait(false);
            }

            return state;
        }).ConfigureAwait(false);
        return new ApplyResult { NewState = newState ?? request.Prior, Diagnostics = diagnostics.ToImmutable() };
    }

    private async Task<Value?> ConvergeAsync(ResourceContext context, IRemoteShell shell, DlsLicenseServerSpec spec, Value? prior, Value planned, DiagnosticBag diagnostics, CreationClaim? claim, CancellationToken ct)
    {
        const string Progress = "vgpu_dls_license_server";
        var node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        spec = spec.At(node);
        if (prior is null && node.Exists && (!node.Marked(spec.IsLxc) || claim is { Abandoned: false }))
        {
            // Checked at plan time too; the node may have changed since (another apply may have created it meanwhile).
            diagnostics.AddRange(DlsPlanner.CheckCreateTarget(spec, shell.NodeName, node, replacing: null, claim is { Abandoned: false } ? CreationStatus.None : CreationStatus.Abandoned).Where(d => d.IsError));
            return null;
        }

        if (spec.IsLxc)
        {
            var created = false;
            if (!node.Exists)
            {
                if (claim is not null)
                {
                    await claim.MarkAsync(ct).ConfigureAwait(false);
                }

                context.Log.Progress(Progress, $"creating LXC container {spec.Vmid}");
                var r = await shell.RunAsync(DlsCommands.CreateContainer(spec), ct).ConfigureAwait(false);
                if (!r.Succeeded)
                {
                    diagnostics.Error("Unable to create the licence server container",
                        $"Node \"{shell.NodeName}\": pct answered: {Tail(r)}. Check that the template exists (pveam list local) and the vmid is free.", AttributePath.Of("template"));
                    return null;
                }

                created = true;
            }

            if (created || !node.CtRunning || !node.ContainerExists)
            {
                context.Log.Progress(Progress, $"starting LXC container {spec.Vmid} and its Docker");
                var r = await shell.RunAsync(DlsCommands.StartContainer(spec), ct).ConfigureAwait(false);
                if (!r.Succeeded)
                {
                    var what = r.ExitCode switch { 11 => "start the licence server container", 12 => "install Docker in the licence server container", _ => "reach Docker in the licence server container" };
                    diagnostics.Error($"Unable to {what}",
                        $"Node \"{shell.NodeName}\", container {spec.Vmid}: {Tail(r)}. Check the container's network and package sources; run apply again once fixed.", AttributePath.Of("vmid"));
                    return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
                }

                node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
                spec = spec.At(node);
            }
        }

        var facts = node.KeyFacts();
        var keys = DlsPlanner.KeyWork(spec, facts);
        var certificatePem = DlsPlanner.PinnedCertificate(prior, facts);
        if (keys.Any)
        {
            context.Log.Progress(Progress, keys.NewSigningKeys
                ? $"generating the web server certificate and the FastAPI-DLS {spec.Major}.x signing keys"
                : "generating the web server certificate");
            var web = keys.NewWebCertificate ? DlsKeyMaterial.WebServer(spec.DlsUrl, context.Time) : [];
            var signing = keys.NewSigningKeys ? DlsKeyMaterial.Signing(spec.Major, DlsLicenseServerSpec.InstanceRef, context.Time) : [];
            var r = await shell.RunAsync(DlsCommands.InstallKeys(spec, [.. web, .. signing], new DlsKeyMarker(spec.KeyGeneration, spec.Major)), ct).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                diagnostics.Error("Unable to install the licence server's key material",
                    $"Node \"{shell.NodeName}\" answered: {Tail(r)}. Nothing staged is left on the node; run apply again once fixed.");
                return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
            }

            if (keys.NewWebCertificate)
            {
                certificatePem = web[0].Content;
            }

            node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
            spec = spec.At(node);
        }

        // The cert volume: key files owned by root with our modes (a hand-made server's are 0644), and no signing files of
        // the other major version once this version's are in place. Owners and modes change in place; no key changes.
        var repairs = DlsKeyFileModes.ModeRepairs(node.FileModes)
            .AddRange(node.KeyFacts()?.Major == spec.Major ? DlsKeyFileModes.OtherVersionFiles(node.FileModes, spec.Major) : []);
        if (node.FilesVisible && !repairs.IsEmpty)
        {
            context.Log.Progress(Progress, "repairing the key files' owners and modes");
            var r = await shell.RunAsync(DlsCommands.RepairKeyFiles(spec, repairs), ct).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                diagnostics.Error("Unable to repair the licence server's key files",
                    $"Node \"{shell.NodeName}\" answered: {Tail(r)}. No key was changed; run apply again once fixed.", AttributePath.Of("status"));
                return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
            }
        }

        if (certificatePem is null)
        {
            diagnostics.Error("Unable to install the licence server's key material", $"Node \"{shell.NodeName}\": the web server certificate is missing from {spec.CertDir} after installing it.");
            return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
        }

        if (DlsPlanner.ContainerChange(spec, node, keys))
        {
            context.Log.Progress(Progress, $"starting {spec.Image}");
            var r = await shell.RunAsync(DlsCommands.RunContainer(spec), ct).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                diagnostics.Error("Unable to start the licence server",
                    $"Node \"{shell.NodeName}\": docker answered: {Tail(r)}. Check that the image `{spec.Image}` exists and that port {spec.DlsPort} is free.", AttributePath.Of("image"));
                return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
            }
        }

        var wait = await shell.RunAsync(DlsCommands.WaitHealthy(spec, certificatePem), ct).ConfigureAwait(false);
        if (!wait.Succeeded)
        {
            diagnostics.Error("Unable to reach the licence server", wait.ExitCode == 42
                ? $"{Tail(wait)}. The recorded certificate has SHA-256 {DlsKeyMaterial.CertificateSha256(certificatePem)}; VgpuIac talks to the server only over TLS pinned to it. " +
                  "If the certificate was replaced on purpose, refresh the state (it then records the new one) or rotate the keys with key_generation."
                : $"{spec.Url}/-/health did not answer over TLS within {DlsCommands.HealthWait.TotalSeconds:F0} s. {Tail(wait)} Check that dls_url ({spec.DlsUrl}) is an address node \"{shell.NodeName}\" can reach and that the container's network is up.",
                AttributePath.Of("dls_url"));
            return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
        }

        string? token = null;
        if (planned["client_token"].IsUnknown || keys.NewSigningKeys || prior?["client_token"].StringOrNull is null)
        {
            var r = await shell.RunAsync(DlsCommands.FetchToken(spec, certificatePem), ct).ConfigureAwait(false);
            if (!r.Succeeded || r.StandardOutput.Trim().Count(c => c == '.') != 2)
            {
                diagnostics.Error("Unable to fetch a client token",
                    $"{spec.ClientTokenUrl} answered: {(r.Succeeded ? "not a token" : r.StandardError.Trim())}. The request used TLS pinned to the certificate with SHA-256 {DlsKeyMaterial.CertificateSha256(certificatePem)}; verification is never switched off.");
                return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
            }

            token = r.StandardOutput.Trim();
        }

        return await ReadStateAsync(shell, spec, prior, planned, token, ct).ConfigureAwait(false);
    }

    public async Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken)
    {
        var diagnostics = new DiagnosticBag();
        var spec = DlsLicenseServerSpec.From(request.State);
        var (found, state) = await NodeCall.RunAsync(request.Context, request.State, "read the licence server", diagnostics, async shell =>
        {
            var node = await ReadNodeAsync(shell, spec, cancellationToken).ConfigureAwait(false);
            return node.Exists ? (true, DlsStateMapping.ToState(Definition, spec, shell.NodeName, node, request.State, request.State, null)) : (false, (Value?)null);
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
        var parts = request.Id.Split('/');
        Value seed;
        if (parts.Length == 3 && parts[1] == "lxc" && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var vmid))
        {
            // The node cannot tell which template the container was created from; the default is assumed (a null
            // template would read as a change of this replacing attribute, and the plan after import would destroy it).
            seed = Value.Object(("node", Value.String(parts[0])), ("hosting", Value.String("lxc")), ("vmid", Value.Number(vmid)),
                ("template", Value.String(DlsLicenseServerDefinition.DefaultTemplate)));
        }
        else if (parts.Length == 2 && parts[1] == "docker")
        {
            seed = Value.Object(("node", Value.String(parts[0])), ("hosting", Value.String("docker_host")));
        }
        else
        {
            diagnostics.Error("Unable to import the licence server", $"\"{request.Id}\" is not an import ID. Use <node>/lxc/<vmid> (e.g. pve1/lxc/250) or <node>/docker.");
            return new ImportResult { Diagnostics = diagnostics.ToImmutable() };
        }

        var spec = DlsLicenseServerSpec.From(seed);
        var state = await NodeCall.RunAsync(request.Context, seed, "import the licence server", diagnostics, async shell =>
        {
            var node = await ReadNodeAsync(shell, spec, cancellationToken).ConfigureAwait(false);
            if (node.Exists && !node.CtRunning)
            {
                diagnostics.Error("Unable to import the licence server", $"Container {spec.Vmid} on node \"{shell.NodeName}\" is stopped, so its Docker container and certificate cannot be read. Start it (pct start {spec.Vmid}) and import again.");
                return null;
            }

            if (!node.Exists || !node.ContainerExists)
            {
                diagnostics.Error("Unable to import the licence server", $"No FastAPI-DLS container \"{DlsLicenseServerSpec.ContainerName}\" was found for {request.Id}.");
                return null;
            }

            if (node.CertInWritableLayer)
            {
                var where = spec.IsLxc ? $"container {spec.Vmid}" : "the Docker host";
                var run = spec.IsLxc ? $"pct exec {spec.Vmid} -- " : string.Empty;
                diagnostics.Error("Unable to import the licence server",
                    $"The Docker container \"{DlsLicenseServerSpec.ContainerName}\" in {where} on node \"{shell.NodeName}\" keeps its certificates and keys in its own " +
                    $"writable layer: no host folder is mounted at its cert path {node.ContainerCertPath}. VgpuIac keeps a licence server's keys in a host folder " +
                    "(they must outlive the container, which an apply may re-create), so it cannot take this one over as it is; nothing was changed. " +
                    $"Copy the keys out and run the container with that folder mounted, e.g. `{run}docker cp {DlsLicenseServerSpec.ContainerName}:{node.ContainerCertPath} {DlsLicenseServerSpec.DefaultCertDir}`, " +
                    $"then re-create the container with `-v {DlsLicenseServerSpec.DefaultCertDir}:{node.ContainerCertPath}` (the rest of its settings as they are), and import again.");
                return null;
            }

            var url = node.EnvValue("DLS_URL") ?? string.Empty;
            var port = node.EnvNumber("DLS_PORT") ?? 443;
            var full = DlsLicenseServerSpec.From(seed.With("dls_url", Value.String(url)).With("dls_port", Value.Number(port)).With("image", Value.FromString(node.Image))).At(node);
            string? token = null;
            if (node.KeyFacts()?.CertificatePem is { } pem)
            {
                // Import trusts the certificate it finds (that is what it records); every later fetch pins the recorded one.
                var r = await shell.RunAsync(DlsCommands.FetchToken(full, pem), cancellationToken).ConfigureAwait(false);
                token = r.Succeeded && r.StandardOutput.Trim().Count(c => c == '.') == 2 ? r.StandardOutput.Trim() : null;
            }

            return DlsStateMapping.ToState(Definition, full, shell.NodeName, node, null, seed, token);
        }).ConfigureAwait(false);
        return new ImportResult { State = state, Diagnostics = diagnostics.ToImmutable() };
    }

    /// <summary>
    /// Reads the node. When the container mounts another folder at its cert path than the one read (a hand-made server's,
    /// e.g. <c>-v /srv/dls/cert:/app/cert</c>), that folder is read instead: one more round trip, only then.
    /// </summary>
    private static async Task<DlsNodeState> ReadNodeAsync(IRemoteShell shell, DlsLicenseServerSpec spec, CancellationToken ct)
    {
        var r = await shell.RunAsync(DlsCommands.Read(spec), ct).ConfigureAwait(false);
        var node = DlsNodeState.Parse(r.StandardOutput);
        if (spec.At(node) is { } at && at.CertDir != spec.CertDir)
        {
            r = await shell.RunAsync(DlsCommands.Read(at), ct).ConfigureAwait(false);
            node = DlsNodeState.Parse(r.StandardOutput);
        }

        return node;
    }

    private async Task<Value> ReadStateAsync(IRemoteShell shell, DlsLicenseServerSpec spec, Value? prior, Value planned, string? token, CancellationToken ct)
    {
        var node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        return DlsStateMapping.ToState(Definition, spec, shell.NodeName, node, prior, planned, token);
    }

    private static string Tail(RemoteResult r)
    {
        var text = (r.StandardError.Trim() + "\n" + r.StandardOutput.Trim()).Trim();
        var lines = text.Split('\n');
        return lines.Length <= 12 ? text : string.Join('\n', lines[^12..]);
    }
}
