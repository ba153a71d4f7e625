using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Licensing;

/// <summary><c>vgpu_dls_license_server</c>: plan, apply, read, import and delete a FastAPI-DLS instance.</summary>
public sealed class DlsLicenseServerResource : IResource
{
    private static readonly TimeSpan HealthWait = TimeSpan.FromSeconds(90);

    /// <summary>Attributes whose change regenerates the certificate and instance key (and so every token).</summary>
    private static readonly string[] KeyAttributes = ["dls_url", "key_generation"];

    /// <summary>Attributes whose change recreates the Docker container (the LXC stays).</summary>
    private static readonly string[] ContainerAttributes = ["image", "dls_url", "dls_port", "lease_expire_days", "lease_renewal_period", "timezone", "key_generation"];

    public ResourceDefinition Definition => DlsLicenseServerDefinition.Definition;

    public IEnumerable<Diagnostic> Validate(Value config)
    {
        foreach (var d in AttributeValidation.Run(Definition, config))
        {
            yield return d;
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

    public async Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken)
    {
        if (request.ProposedNewState is null)
        {
            return new PlanResult();
        }

        var diagnostics = new DiagnosticBag();
        var planned = PlanDefaults.Prepare(Definition, request.Config, request.Prior);
        var urlKnown = planned["dls_url"].IsKnown && planned["dls_port"].IsKnown;
        if (urlKnown)
        {
            var spec = DlsLicenseServerSpec.From(planned);
            planned = planned.With("url", Value.String(spec.Url)).With("client_token_url", Value.String(spec.ClientTokenUrl));
        }

        planned = planned.With("container_name", Value.String(DlsLicenseServerSpec.ContainerName));
        if (request.Prior is { } prior)
        {
            var keysChange = KeyAttributes.Any(a => !planned[a].Equals(prior[a]));
            var tokenChange = keysChange || !planned["dls_port"].Equals(prior["dls_port"]);
            planned = planned
                .With("id", prior["id"])
                .With("certificate_pem", keysChange ? Value.Unknown : prior["certificate_pem"])
                .With("certificate_sha256", keysChange ? Value.Unknown : prior["certificate_sha256"])
                .With("client_token", tokenChange ? Value.Unknown : prior["client_token"]);
            if (tokenChange)
            {
                diagnostics.Warning(
                    "Licence server client tokens will be replaced",
                    keysChange
                        ? "Changing dls_url or key_generation generates a new certificate and instance key: every client token issued so far stops working. Guests that use this server's client_token get the new token on this apply."
                        : "Changing dls_port changes what is written into client tokens: guests that use this server's client_token get a new token on this apply.",
                    AttributePath.Of(keysChange && !planned["dls_url"].Equals(prior["dls_url"]) ? "dls_url" : keysChange ? "key_generation" : "dls_port"));
            }
        }
        else if (planned["node"].IsKnown && planned["hosting"].IsKnown && planned["vmid"].IsKnown)
        {
            // Create: fail early when the container ID is taken on that node.
            var spec = DlsLicenseServerSpec.From(planned);
            var state = await NodeCall.RunAsync(request.Context, planned, "plan the licence server", diagnostics,
                shell => ReadNodeAsync(shell, spec, cancellationToken)).ConfigureAwait(false);
            if (state is { Exists: true } && spec.IsLxc)
            {
                diagnostics.Add(Diagnostic.Error(
                    "Unable to create the licence server container",
                    $"Container {spec.Vmid} already exists on the node. Choose a free vmid, or bring the existing container under management.",
                    AttributePath.Of("vmid")) with { Import = new ImportHint(Definition, $"{planned["node"].StringOrNull ?? "<node>"}/lxc/{spec.Vmid}") });
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
                var r = await RunAsync(shell, DlsScripts.Destroy, Args(priorSpec), cancellationToken, mutating: true).ConfigureAwait(false);
                if (!r.Succeeded)
                {
                    diagnostics.Error("Unable to delete the licence server", $"The node answered: {Tail(r)}. Stop and remove container {priorSpec.Vmid} by hand (pct stop/destroy) if it is stuck, then run destroy again.");
                }

                return true;
            }).ConfigureAwait(false);
            return new ApplyResult { NewState = diagnostics.HasErrors ? request.Prior : null, Diagnostics = diagnostics.ToImmutable() };
        }

        var planned = request.Planned;
        var spec = DlsLicenseServerSpec.From(planned);
        var newState = await NodeCall.RunAsync(request.Context, planned, "apply the licence server", diagnostics,
            shell => ConvergeAsync(request.Context, shell, spec, request.Prior, planned, diagnostics, cancellationToken)).ConfigureAwait(false);
        return new ApplyResult { NewState = newState ?? request.Prior, Diagnostics = diagnostics.ToImmutable() };
    }

    private async Task<Value?> ConvergeAsync(ResourceContext context, IRemoteShell shell, DlsLicenseServerSpec spec, Value? prior, Value planned, DiagnosticBag diagnostics, CancellationToken ct)
    {
        var node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        var fresh = !node.Exists;
        if (spec.IsLxc && !node.Exists)
        {
            context.Log.Progress("vgpu_dls_license_server", $"creating LXC container {spec.Vmid}");
            var net0 = $"name=eth0,bridge={spec.Bridge},ip={spec.IpAddress}" + (spec.Gateway is null ? string.Empty : $",gw={spec.Gateway}");
            var r = await RunAsync(shell, DlsScripts.CreateContainer,
                [.. Args(spec), spec.Template, spec.Hostname, net0, $"{spec.Storage}:{spec.DiskSizeGb.ToString(CultureInfo.InvariantCulture)}", spec.MemoryMb.ToString(CultureInfo.InvariantCulture)],
                ct, mutating: true, timeout: TimeSpan.FromMinutes(15)).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                var what = r.ExitCode switch { 10 => "create", 11 => "start", _ => "install Docker in" };
                diagnostics.Error($"Unable to {what} the licence server container", $"pct answered: {Tail(r)}. " + (r.ExitCode == 10
                    ? "Check that the template exists (pveam list local) and the vmid is free."
                    : "Check the container's network and package sources; run apply again once fixed."), AttributePath.Of(r.ExitCode == 10 ? "template" : "vmid"));
                return r.ExitCode == 10 ? null : await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
            }
        }
        else if (spec.IsLxc && !node.CtRunning)
        {
            var r = await shell.RunAsync(RemoteCommand.Of("pct", "start", spec.Vmid!.Value.ToString(CultureInfo.InvariantCulture)).AsMutating(), ct).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                diagnostics.Error("Unable to start the licence server container", $"pct answered: {Tail(r)}.", AttributePath.Of("vmid"));
                return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
            }
        }

        var certificateMissing = node.CertificatePem is null || fresh;
        var keysChange = certificateMissing || prior is null || KeyAttributes.Any(a => !planned[a].Equals(prior[a]))
            || (node.CertificatePem is { } pem && !DlsCertificates.CoversAddress(pem, spec.DlsUrl));
        if (keysChange)
        {
            context.Log.Progress("vgpu_dls_license_server", "generating the web server certificate and instance key");
            var certs = DlsCertificates.Generate(spec.DlsUrl, context.Time);
            var staging = $"/root/.vgpuiac/staging-{Guid.NewGuid():N}";
            foreach (var (name, content, secret) in new[]
            {
                ("webserver.crt", certs.CertificatePem, false),
                ("webserver.key", certs.CertificateKeyPem, true),
                ("instance.private.pem", certs.InstancePrivateKeyPem, true),
                ("instance.public.pem", certs.InstancePublicKeyPem, false),
            })
            {
                await shell.WriteFileAsync(new RemoteFile { Path = $"{staging}/{name}", Content = Encoding.ASCII.GetBytes(content), Mode = Convert.ToInt32("600", 8), Sensitive = secret }, ct).ConfigureAwait(false);
            }

            var r = await RunAsync(shell, DlsScripts.InstallKeys, [.. Args(spec), staging], ct, mutating: true).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                diagnostics.Error("Unable to install the licence server certificate", $"The node answered: {Tail(r)}.");
                return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
            }
        }

        var containerChange = keysChange || !node.ContainerExists || !node.ContainerRunning || !SameContainer(node, spec);
        if (containerChange)
        {
            context.Log.Progress("vgpu_dls_license_server", $"starting {spec.Image}");
            var r = await RunAsync(shell, DlsScripts.RunContainer, [.. Args(spec), spec.Image, spec.DlsPort.ToString(CultureInfo.InvariantCulture), .. spec.Environment], ct, mutating: true, timeout: TimeSpan.FromMinutes(10)).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                diagnostics.Error("Unable to start the licence server", $"docker answered: {Tail(r)}. Check that the image `{spec.Image}` exists and that port {spec.DlsPort} is free.", AttributePath.Of("image"));
                return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
            }
        }

        var wait = await RunAsync(shell, DlsScripts.WaitHealthy, [.. Args(spec), spec.DlsUrl, spec.DlsPort.ToString(CultureInfo.InvariantCulture), ((int)HealthWait.TotalSeconds).ToString(CultureInfo.InvariantCulture)], ct, mutating: false, timeout: HealthWait + TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        if (!wait.Succeeded)
        {
            diagnostics.Error("Unable to reach the licence server", $"{spec.Url}/-/health did not answer over TLS within {HealthWait.TotalSeconds:F0} s. {Tail(wait)} Check that dls_url ({spec.DlsUrl}) is an address the node can reach and that the container's network is up.", AttributePath.Of("dls_url"));
            return await ReadStateAsync(shell, spec, prior, planned, null, ct).ConfigureAwait(false);
        }

        string? token = null;
        if (keysChange || containerChange && !planned["client_token"].IsKnown || prior?["client_token"].StringOrNull is null)
        {
            var r = await RunAsync(shell, DlsScripts.FetchToken, [.. Args(spec), spec.DlsUrl, spec.DlsPort.ToString(CultureInfo.InvariantCulture)], ct, mutating: false).ConfigureAwait(false);
            if (!r.Succeeded || r.StandardOutput.Count(c => c == '.') != 2)
            {
                diagnostics.Error("Unable to fetch a client token", $"{spec.ClientTokenUrl} answered: {(r.Succeeded ? "not a token" : r.StandardError.Trim())}. The request used TLS pinned to the server's certificate; verification is never switched off.");
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
            return node.Exists ? (true, ToState(spec, node, request.State, request.State, null)) : (false, (Value?)null);
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
            if (!node.Exists || !node.ContainerExists)
            {
                diagnostics.Error("Unable to import the licence server", $"No FastAPI-DLS container \"{DlsLicenseServerSpec.ContainerName}\" was found for {request.Id}.");
                return null;
            }

            var url = node.EnvValue("DLS_URL") ?? string.Empty;
            var port = node.EnvNumber("DLS_PORT") ?? 443;
            var full = DlsLicenseServerSpec.From(seed.With("dls_url", Value.String(url)).With("dls_port", Value.Number(port)));
            var token = await RunAsync(shell, DlsScripts.FetchToken, [.. Args(full), url, port.ToString(CultureInfo.InvariantCulture)], cancellationToken, mutating: false).ConfigureAwait(false);
            return ToState(full, node, null, seed, token.Succeeded ? token.StandardOutput.Trim() : null);
        }).ConfigureAwait(false);
        return new ImportResult { State = state, Diagnostics = diagnostics.ToImmutable() };
    }

    private static bool SameContainer(DlsNodeState node, DlsLicenseServerSpec spec) =>
        node.Image == spec.Image
        && node.RestartPolicy == "always"
        && spec.Environment.All(e => node.EnvValue(e[..e.IndexOf('=', StringComparison.Ordinal)]) == e[(e.IndexOf('=', StringComparison.Ordinal) + 1)..]);

    private static string[] Args(DlsLicenseServerSpec spec) =>
        [spec.Hosting, (spec.Vmid ?? 0).ToString(CultureInfo.InvariantCulture), DlsLicenseServerSpec.ContainerName];

    private static async Task<DlsNodeState> ReadNodeAsync(IRemoteShell shell, DlsLicenseServerSpec spec, CancellationToken ct)
    {
        var r = await RunAsync(shell, DlsScripts.Read, [.. Args(spec), spec.DlsUrl.Length == 0 ? "localhost" : spec.DlsUrl, spec.DlsPort.ToString(CultureInfo.InvariantCulture)], ct, mutating: false).ConfigureAwait(false);
        return DlsNodeState.Parse(r.StandardOutput);
    }

    private async Task<Value> ReadStateAsync(IRemoteShell shell, DlsLicenseServerSpec spec, Value? prior, Value planned, string? token, CancellationToken ct)
    {
        var node = await ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        return ToState(spec, node, prior, planned, token);
    }

    /// <summary>State is what the node says; attributes the node cannot tell (template, storage) come from what was applied.</summary>
    private Value ToState(DlsLicenseServerSpec spec, DlsNodeState node, Value? prior, Value basis, string? token)
    {
        var fields = new Dictionary<string, Value>(StringComparer.Ordinal);
        foreach (var a in Definition.Attributes)
        {
            fields[a.Name] = basis[a.Name].IsUnknown ? Value.Null : basis[a.Name];
        }

        var nodeName = basis["node"].StringOrNull ?? string.Empty;
        fields["id"] = Value.String(spec.IsLxc ? $"{nodeName}/lxc/{spec.Vmid}" : $"{nodeName}/docker");
        if (spec.IsLxc && node.CtConfig.Count > 0)
        {
            if (node.CtConfig.TryGetValue("hostname", out var hn)) { fields["hostname"] = Value.String(hn); }
            if (node.CtConfig.TryGetValue("memory", out var mem) && long.TryParse(mem, CultureInfo.InvariantCulture, out var m)) { fields["memory_mb"] = Value.Number(m); }
            if (node.CtConfig.TryGetValue("net0", out var net0))
            {
                var kv = net0.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
                if (kv.TryGetValue("bridge", out var br)) { fields["bridge"] = Value.String(br); }
                if (kv.TryGetValue("ip", out var ip)) { fields["ip_address"] = Value.String(ip); }
                fields["gateway"] = kv.TryGetValue("gw", out var gw) ? Value.String(gw) : Value.Null;
            }

            if (node.CtConfig.TryGetValue("rootfs", out var rootfs))
            {
                fields["storage"] = Value.String(rootfs[..rootfs.IndexOf(':', StringComparison.Ordinal)]);
                var size = rootfs.Split(',').FirstOrDefault(p => p.StartsWith("size=", StringComparison.Ordinal));
                if (size is not null && long.TryParse(size[5..].TrimEnd('G'), CultureInfo.InvariantCulture, out var gb)) { fields["disk_size_gb"] = Value.Number(gb); }
            }
        }

        if (node.ContainerExists)
        {
            fields["image"] = Value.FromString(node.Image);
            fields["dls_url"] = Value.FromString(node.EnvValue("DLS_URL"));
            fields["dls_port"] = Value.FromNumber(node.EnvNumber("DLS_PORT"));
            fields["lease_expire_days"] = Value.FromNumber(node.EnvNumber("LEASE_EXPIRE_DAYS"));
            fields["lease_renewal_period"] = decimal.TryParse(node.EnvValue("LEASE_RENEWAL_PERIOD"), NumberStyles.Number, CultureInfo.InvariantCulture, out var lrp) ? Value.Number(lrp) : Value.Null;
            fields["timezone"] = Value.FromString(node.EnvValue("TZ"));
            if (node.RestartPolicy != "always" || !node.ContainerRunning)
            {
                // drift that apply repairs: show it as an image change so the plan is not empty
                fields["image"] = Value.String((node.Image ?? "unknown") + (node.ContainerRunning ? " (restart policy changed)" : " (not running)"));
            }
        }
        else
        {
            fields["image"] = Value.String("(container missing)");
        }

        var observed = DlsLicenseServerSpec.From(Value.Object(fields));
        fields["url"] = Value.String(observed.Url);
        fields["client_token_url"] = Value.String(observed.ClientTokenUrl);
        fields["container_name"] = Value.String(DlsLicenseServerSpec.ContainerName);
        fields["certificate_pem"] = Value.FromString(node.CertificatePem);
        fields["certificate_sha256"] = Value.FromString(DlsCertificates.Sha256OfPem(node.CertificatePem));
        var priorCert = prior?["certificate_sha256"].StringOrNull;
        var keepToken = prior?["client_token"].StringOrNull is { } t && priorCert == fields["certificate_sha256"].StringOrNull ? t : null;
        fields["client_token"] = (token ?? keepToken) is { } tok ? Value.String(tok).AsSensitive() : Value.Null;
        return Value.Object(fields);
    }

    private static Task<RemoteResult> RunAsync(IRemoteShell shell, string script, string[] args, CancellationToken ct, bool mutating, TimeSpan? timeout = null)
    {
        var command = RemoteCommand.Script(script, args).AsMutating(mutating);
        return shell.RunAsync(timeout is { } t ? command.WithTimeout(t) : command, ct);
    }

    private static string Tail(RemoteResult r)
    {
        var text = (r.StandardError.Trim() + "\n" + r.StandardOutput.Trim()).Trim();
        var lines = text.Split('\n');
        return lines.Length <= 12 ? text : string.Join('\n', lines[^12..]);
    }
}
