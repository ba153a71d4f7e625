using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// Pure decisions for <c>vgpu_dls_license_server</c>, testable without a node. Plan and apply use the same functions:
/// the plan compares the configuration with the state the last read left, the apply with what the node holds at that
/// moment, so a step is done only when the node shows it is not done yet.
/// </summary>
internal static class DlsPlanner
{
    /// <summary>The status of a server that is up: planned for every create and update.</summary>
    public const string Running = "running";

    /// <summary>
    /// Which key material must be made: the web server certificate when it is missing, does not name <c>dls_url</c>, or the
    /// user asked (<c>key_generation</c>); the signing keys when they are missing, are for another FastAPI-DLS major version,
    /// or the user asked. A restart, a repair or an adoption never replaces keys that are there.
    /// </summary>
    public static DlsKeyWork KeyWork(DlsLicenseServerSpec spec, DlsKeyFacts? facts)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var asked = facts is null || facts.KeyGeneration != spec.KeyGeneration;
        var web = facts?.CertificatePem is not { } pem || !DlsKeyMaterial.CoversAddress(pem, spec.DlsUrl) || asked;
        var signing = facts?.SigningKeySha256 is null || facts.Major != spec.Major || asked;
        return new DlsKeyWork(web, signing);
    }

    /// <summary>The key facts the prior state records (the plan's view of the node).</summary>
    public static DlsKeyFacts FactsOf(Value prior)
    {
        ArgumentNullException.ThrowIfNull(prior);
        return new DlsKeyFacts
        {
            CertificatePem = prior["certificate_pem"].StringOrNull,
            SigningKeySha256 = prior["signing_key_sha256"].StringOrNull,
            RootCertificatePem = prior["root_certificate_pem"].StringOrNull,
            Major = prior["image"].StringOrNull is { } image ? DlsImage.Major(image) : null,
            KeyGeneration = prior["key_generation"].Int64OrNull,
        };
    }

    /// <summary>Plans an update from <paramref name="prior"/> to <paramref name="spec"/>.</summary>
    public static DlsPlan PlanUpdate(DlsLicenseServerSpec spec, Value prior)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(prior);
        var keys = KeyWork(spec, FactsOf(prior));
        var addressChange = prior["dls_url"].StringOrNull != spec.DlsUrl || prior["dls_port"].Int64OrNull != spec.DlsPort;
        var newToken = keys.NewSigningKeys || addressChange || prior["client_token"].IsNull;
        var diagnostics = ImmutableArray.CreateBuilder<Diagnostic>();
        if (keys.NewSigningKeys && prior["signing_key_sha256"].StringOrNull is not null)
        {
            var why = prior["key_generation"].Int64OrNull != spec.KeyGeneration
                ? "key_generation changed"
                : $"the image runs FastAPI-DLS {spec.Major}.x, whose signing keys are not there yet";
            var priorMajor = FactsOf(prior).Major;
            var removed = priorMajor is { } old && old != spec.Major
                ? $" The FastAPI-DLS {old}.x key files ({string.Join(", ", DlsKeyMaterial.SigningFiles(old))}) are removed from the cert volume."
                : string.Empty;
            diagnostics.Add(Diagnostic.Warning(
                "Licence server signing keys will be replaced",
                $"{why}: a new signing key signs every client token from now on and every token issued so far stops working. " +
                "Guests that use this server's client_token get the new token on this apply; others need a new token." + removed,
                AttributePath.Of(prior["key_generation"].Int64OrNull != spec.KeyGeneration ? "key_generation" : "image")));
        }
        else if (newToken && !prior["client_token"].IsNull)
        {
            diagnostics.Add(Diagnostic.Warning(
                "Licence server client tokens will be replaced",
                "Changing dls_url or dls_port changes what is written into client tokens: guests that use this server's client_token get a new token on this apply.",
                AttributePath.Of(prior["dls_url"].StringOrNull != spec.DlsUrl ? "dls_url" : "dls_port")));
        }

        diagnostics.AddRange(CertVolumeRepairs(prior["status"].StringOrNull));
        return new DlsPlan { Keys = keys, NewToken = newToken, Diagnostics = diagnostics.ToImmutable() };
    }

    /// <summary>
    /// What the apply repairs in the cert volume, as the last read's status says it (<see cref="Status(bool, DlsNodeState, int)"/>):
    /// key file owners and modes (changed in place: no key or certificate changes), the other major version's key files (removed).
    /// </summary>
    public static ImmutableArray<Diagnostic> CertVolumeRepairs(string? status)
    {
        var repairs = ImmutableArray.CreateBuilder<Diagnostic>();
        foreach (var part in (status ?? string.Empty).Split("; ", StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith(DlsKeyFileModes.ModesStatus + ": ", StringComparison.Ordinal))
            {
                repairs.Add(Diagnostic.Warning(
                    "Licence server key file modes will be repaired",
                    $"{part[(DlsKeyFileModes.ModesStatus.Length + 2)..]}: private keys become 0600 and every key file is owned by root, in place. " +
                    "No key or certificate changes: certificate_sha256, signing_key_sha256 and the client token stay.",
                    AttributePath.Of("status")));
            }
            else if (part.StartsWith(DlsKeyFileModes.OtherVersionStatus + ": ", StringComparison.Ordinal))
            {
                repairs.Add(Diagnostic.Warning(
                    "Key files of the other FastAPI-DLS version will be removed",
                    $"{part[(DlsKeyFileModes.OtherVersionStatus.Length + 2)..]}: the image's FastAPI-DLS version does not read them. " +
                    "The keys it reads stay as they are.",
                    AttributePath.Of("status")));
            }
        }

        return repairs.ToImmutable();
    }

    /// <summary>
    /// A create finds an object at its place: the one it replaces (<paramref name="replacing"/>; the door destroys it first),
    /// ours without state (carries our mark: adopted and finished, with a warning), or a stranger's (refused, with an import hint).
    /// </summary>
    /// <remarks>
    /// A container with our mark is adopted only when a create left it unfinished (<paramref name="creation"/>, see
    /// <see cref="CreationClaim"/>): one another apply is creating, or made and keeps in its state, is refused.
    /// </remarks>
    internal static ImmutableArray<Diagnostic> CheckCreateTarget(DlsLicenseServerSpec spec, string nodeName, DlsNodeState node, string? replacing, CreationStatus creation = CreationStatus.Abandoned)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(node);
        if (!node.Exists)
        {
            return [];
        }

        var id = spec.Id(nodeName);
        if (replacing == id)
        {
            return [];
        }

        var what = spec.IsLxc ? $"Container {spec.Vmid}" : $"The Docker container \"{DlsLicenseServerSpec.ContainerName}\"";
        if (!node.Marked(spec.IsLxc))
        {
            return
            [
                Diagnostic.Error(
                    "Unable to create the licence server",
                    $"{what} already exists on node \"{nodeName}\" and was not created by VgpuIac (it has no " +
                    (spec.IsLxc ? $"\"{DlsLicenseServerSpec.OwnerTag}\" tag" : $"\"{DlsLicenseServerSpec.OwnerLabel}\" label") +
                    "). Choose " + (spec.IsLxc ? "a free vmid" : "another node") + ", remove it, or bring it under management.",
                    AttributePath.Of(spec.IsLxc ? "vmid" : "node")) with { Import = new ImportHint(DlsLicenseServerDefinition.Definition, id) },
            ];
        }

        if (creation != CreationStatus.Abandoned)
        {
            return
            [
                Diagnostic.Error(
                    "Unable to create the licence server",
                    $"{what} on node \"{nodeName}\" " + (creation == CreationStatus.InProgress
                        ? "is being created by another apply right now"
                        : "carries VgpuIac's mark but was created by another apply that keeps it in its own state (another state or workspace)") +
                    ". This apply changed nothing on the node. Two configurations cannot own one licence server: choose another vmid for this one, " +
                    "or remove it from the other state and bring it under management here.",
                    AttributePath.Of("vmid")) with { Import = creation == CreationStatus.InProgress ? null : new ImportHint(DlsLicenseServerDefinition.Definition, id) },
            ];
        }

        var mismatch = spec.IsLxc ? LxcMismatch(spec, node) : null;
        if (mismatch is not null)
        {
            return
            [
                Diagnostic.Error(
                    "Unable to create the licence server",
                    $"{what} on node \"{nodeName}\" carries VgpuIac's mark but was created with other settings ({mismatch}). " +
                    "Bring it under management to see and change them, or remove it so that it is created anew.",
                    AttributePath.Of("vmid")) with { Import = new ImportHint(DlsLicenseServerDefinition.Definition, id) },
            ];
        }

        return
        [
            Diagnostic.Warning(
                "An unfinished licence server will be adopted",
                $"{what} on node \"{nodeName}\" was created by VgpuIac (an earlier apply that did not finish, or state that was lost) " +
                "and is not in the state. This apply finishes it; key material that is complete there is kept.",
                AttributePath.Of(spec.IsLxc ? "vmid" : "node")),
        ];
    }

    /// <summary>
    /// The certificate TLS to the server is pinned to when no new one is made: the one recorded in state (its PEM must hash
    /// to the recorded <c>certificate_sha256</c>), not whatever the container holds at that moment; with no state (a create
    /// adopting a server, an import) the one on the node.
    /// </summary>
    public static string? PinnedCertificate(Value? prior, DlsKeyFacts? facts)
    {
        if (prior?["certificate_pem"].StringOrNull is { } recorded
            && DlsKeyMaterial.CertificateSha256(recorded) is { } sha
            && sha == prior["certificate_sha256"].StringOrNull)
        {
            return recorded;
        }

        return facts?.CertificatePem;
    }

    /// <summary>The container status a read reports: <see cref="Running"/>, or what an apply will repair.</summary>
    public static string Status(bool lxc, DlsNodeState node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return (lxc && !node.CtRunning) ? "stopped"
            : !node.ContainerExists ? "container missing"
            : !node.ContainerRunning ? "container stopped"
            : node.RestartPolicy != "always" ? $"restart policy {node.RestartPolicy ?? "unknown"}"
            : Running;
    }

    /// <summary>
    /// The status a read reports for a server of FastAPI-DLS <paramref name="major"/>: the container's (<see cref="Status(bool, DlsNodeState)"/>),
    /// and what an apply repairs in the cert volume: key file owners and modes, the other major version's key files.
    /// </summary>
    public static string Status(bool lxc, DlsNodeState node, int major)
    {
        ArgumentNullException.ThrowIfNull(node);
        var container = Status(lxc, node);
        if (!node.FilesVisible || DlsKeyFileModes.StatusText(node.FileModes, major) is not { } files)
        {
            return container;
        }

        return container == Running ? files : $"{container}; {files}";
    }

    /// <summary>The container must be (re)created: missing, stopped, or not what the spec asks (image, environment, restart policy).</summary>
    public static bool ContainerChange(DlsLicenseServerSpec spec, DlsNodeState node, DlsKeyWork keys)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(keys);
        return keys.Any || !node.ContainerExists || !node.ContainerRunning || node.Image != spec.Image || node.RestartPolicy != "always"
            || spec.Environment.Any(e => node.EnvValue(e[..e.IndexOf('=', StringComparison.Ordinal)]) != e[(e.IndexOf('=', StringComparison.Ordinal) + 1)..]);
    }

    private static string? LxcMismatch(DlsLicenseServerSpec spec, DlsNodeState node)
    {
        var c = node.CtConfig;
        if (c.TryGetValue("hostname", out var hn) && hn != spec.Hostname)
        {
            return $"hostname {hn}, not {spec.Hostname}";
        }

        if (c.TryGetValue("memory", out var mem) && mem != spec.MemoryMb.ToString(System.Globalization.CultureInfo.InvariantCulture))
        {
            return $"memory {mem} MiB, not {spec.MemoryMb}";
        }

        if (c.TryGetValue("net0", out var net0) && !net0.Contains($"ip={spec.IpAddress}", StringComparison.Ordinal))
        {
            return $"net0 {net0}";
        }

        return null;
    }
}
