using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace VgpuIac.Engine.Licensing;

/// <summary>
/// What the node says about a licence server: the LXC (config, running, our tag), the Docker container (image,
/// environment, restart policy, our label) and the public files of its cert volume (certificates, public keys, our
/// key marker). Private keys are never read back.
/// </summary>
internal sealed record DlsNodeState
{
    /// <summary>False when the LXC (or, on a Docker host, the Docker container) does not exist.</summary>
    public bool Exists { get; init; }

    /// <summary>The LXC runs (always true on a Docker host). When false, nothing inside it can be read.</summary>
    public bool CtRunning { get; init; }

    public ImmutableDictionary<string, string> CtConfig { get; init; } = ImmutableDictionary<string, string>.Empty;

    public bool ContainerExists { get; init; }

    public bool ContainerRunning { get; init; }

    public string? Image { get; init; }

    public string? RestartPolicy { get; init; }

    public ImmutableDictionary<string, string> Env { get; init; } = ImmutableDictionary<string, string>.Empty;

    public ImmutableDictionary<string, string> Labels { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Public files of the cert volume that exist, by name (certificates, public keys, <see cref="DlsKeyMarker.FileName"/>).</summary>
    public ImmutableDictionary<string, string> Files { get; init; } = ImmutableDictionary<string, string>.Empty;

    /// <summary>Owner and mode of every file in the cert volume (private keys included; their content is never read).</summary>
    public ImmutableArray<DlsFileMode> FileModes { get; init; } = [];

    /// <summary>
    /// The host folder (inside the LXC, or on the Docker host) that the container mounts at its cert path: <c>CERT_PATH</c>
    /// of its environment, else <c>/app/cert</c> (from <c>docker inspect</c>'s <c>Mounts</c>). Null when there is no container,
    /// or no folder is mounted there (see <see cref="CertInWritableLayer"/>).
    /// </summary>
    public string? CertSource { get; init; }

    /// <summary>The path inside the container FastAPI-DLS reads its certificates from (<c>CERT_PATH</c>, else <c>/app/cert</c>).</summary>
    public string ContainerCertPath => Env.TryGetValue("CERT_PATH", out var p) && p.Length > 0 ? p.TrimEnd('/') : DlsLicenseServerSpec.ContainerCertPath;

    /// <summary>The container keeps its certificates and keys in its own writable layer: no host folder is mounted at its cert path.</summary>
    public bool CertInWritableLayer => ContainerExists && CertSource is null;

    /// <summary>True when the cert volume could be read (the LXC runs, or a Docker host).</summary>
    public bool FilesVisible => Exists && CtRunning;

    /// <summary>VgpuIac's mark: the PVE tag on the LXC, or the label on a Docker host's container.</summary>
    public bool Marked(bool lxc) => lxc
        ? CtConfig.TryGetValue("tags", out var tags) && tags.Split([';', ',', ' '], StringSplitOptions.RemoveEmptyEntries).Contains(DlsLicenseServerSpec.OwnerTag, StringComparer.Ordinal)
        : Labels.ContainsKey(DlsLicenseServerSpec.OwnerLabel);

    public string? File(string name) => Files.TryGetValue(name, out var v) ? v : null;

    /// <summary>
    /// The value the server runs with: the container's environment, else FastAPI-DLS's documented default (a container made
    /// by hand that leaves a variable out runs with the default, which is what a spec holding the default asks for).
    /// </summary>
    public string? EnvValue(string key) =>
        Env.TryGetValue(key, out var v) ? v : ContainerExists && AppDefaults.TryGetValue(key, out var d) ? d : null;

    /// <summary>FastAPI-DLS's defaults for the variables VgpuIac sets (its README; TZ unset is the container's UTC clock).</summary>
    private static readonly ImmutableDictionary<string, string> AppDefaults = ImmutableDictionary.CreateRange(StringComparer.Ordinal, new Dictionary<string, string>
    {
        ["DLS_URL"] = "localhost",
        ["DLS_PORT"] = "443",
        ["LEASE_EXPIRE_DAYS"] = "90",
        ["LEASE_RENEWAL_PERIOD"] = "0.15",
        ["TZ"] = "UTC",
        ["DATABASE"] = "sqlite:///db.sqlite",
        ["INSTANCE_KEY_RSA"] = "/app/cert/instance.private.pem",
        ["INSTANCE_KEY_PUB"] = "/app/cert/instance.public.pem",
    });

    public long? EnvNumber(string key) =>
        EnvValue(key) is { } s && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>The key material the node holds, as <see cref="DlsPlanner"/> compares it; null when it cannot be read.</summary>
    public DlsKeyFacts? KeyFacts()
    {
        if (!FilesVisible)
        {
            return null;
        }

        var marker = File(DlsKeyMarker.FileName) is { } m ? DlsKeyMarker.Parse(m) : null;
        var si = File(DlsKeyMaterial.SiCertificateFile);
        var instance = File(DlsKeyMaterial.InstancePublicKeyFile);
        var major = marker?.Major ?? (si is not null ? 2 : instance is not null ? 1 : (int?)null);
        return new DlsKeyFacts
        {
            CertificatePem = File(DlsKeyMaterial.WebCertificateFile),
            SigningKeySha256 = DlsKeyMaterial.SigningKeySha256(major == 1 ? instance : si),
            RootCertificatePem = major == 1 ? null : File(DlsKeyMaterial.RootCertificateFile),
            Major = major,
            KeyGeneration = marker?.KeyGeneration,
        };
    }

    /// <summary>Parses the sections printed by <see cref="DlsCommands.Read"/>.</summary>
    public static DlsNodeState Parse(string output)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        List<string>? current = null;
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                current = [];
                sections[line[4..].Trim()] = current;
            }
            else
            {
                current?.Add(line);
            }
        }

        string Section(string name) => sections.TryGetValue(name, out var l) ? string.Join('\n', l).Trim() : string.Empty;

        var ct = Section("ct");
        if (ct.Length == 0 || ct == "absent")
        {
            return new DlsNodeState { Exists = false };
        }

        var config = Section("ctconfig").Split('\n')
            .Select(l => l.Split(": ", 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToImmutableDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
        var files = sections.Keys
            .Where(k => k.StartsWith("file ", StringComparison.Ordinal) && Section(k).Length > 0)
            .ToImmutableDictionary(k => k[5..], k => Section(k) + "\n", StringComparer.Ordinal);
        var state = new DlsNodeState
        {
            Exists = true,
            CtRunning = ct.Contains("running", StringComparison.Ordinal) || ct.Contains("docker-host", StringComparison.Ordinal),
            CtConfig = config,
            Files = files,
            FileModes = DlsKeyFileModes.Parse(Section("modes")),
        };
        return ParseInspect(state, Section("inspect"));
    }

    private static DlsNodeState ParseInspect(DlsNodeState state, string json)
    {
        if (json.Length == 0)
        {
            return state;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Array || doc.RootElement.GetArrayLength() == 0)
            {
                return state;
            }

            var c = doc.RootElement[0];
            var env = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            var labels = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            var hasConfig = c.TryGetProperty("Config", out var cfg) && cfg.ValueKind == JsonValueKind.Object;
            if (hasConfig && cfg.TryGetProperty("Env", out var envArray) && envArray.ValueKind == JsonValueKind.Array)
            {
                foreach (var e in envArray.EnumerateArray())
                {
                    var s = e.GetString() ?? string.Empty;
                    var eq = s.IndexOf('=', StringComparison.Ordinal);
                    if (eq > 0)
                    {
                        env[s[..eq]] = s[(eq + 1)..];
                    }
                }
            }

            if (hasConfig && cfg.TryGetProperty("Labels", out var labelObject) && labelObject.ValueKind == JsonValueKind.Object)
            {
                foreach (var l in labelObject.EnumerateObject())
                {
                    labels[l.Name] = l.Value.ValueKind == JsonValueKind.String ? l.Value.GetString() ?? string.Empty : string.Empty;
                }
            }

            var certPath = env.TryGetValue("CERT_PATH", out var cp) && cp.Length > 0 ? cp.TrimEnd('/') : DlsLicenseServerSpec.ContainerCertPath;
            string? certSource = null;
            if (c.TryGetProperty("Mounts", out var mounts) && mounts.ValueKind == JsonValueKind.Array)
            {
                foreach (var m in mounts.EnumerateArray())
                {
                    if (m.ValueKind == JsonValueKind.Object
                        && m.TryGetProperty("Destination", out var dest) && dest.ValueKind == JsonValueKind.String && dest.GetString()!.TrimEnd('/') == certPath
                        && m.TryGetProperty("Source", out var src) && src.ValueKind == JsonValueKind.String && src.GetString() is { Length: > 1 } source && source.StartsWith('/'))
                    {
                        certSource = source.TrimEnd('/');
                    }
                }
            }

            return state with
            {
                CertSource = certSource,
                ContainerExists = true,
                ContainerRunning = c.TryGetProperty("State", out var st) && st.TryGetProperty("Running", out var r) && r.ValueKind == JsonValueKind.True,
                Image = hasConfig && cfg.TryGetProperty("Image", out var img) ? img.GetString() : null,
                RestartPolicy = c.TryGetProperty("HostConfig", out var hc) && hc.TryGetProperty("RestartPolicy", out var rp) && rp.TryGetProperty("Name", out var n) ? n.GetString() : null,
                Env = env.ToImmutable(),
                Labels = labels.ToImmutable(),
            };
        }
        catch (JsonException)
        {
            return state;
        }
    }
}
