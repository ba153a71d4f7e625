using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;

namespace VgpuIac.Engine.Licensing;

/// <summary>What the node says about a licence server: the container (LXC config), the Docker container, the certificate, health.</summary>
public sealed record DlsNodeState
{
    /// <summary>False when the LXC (or, on a Docker host, the Docker container) does not exist.</summary>
    public bool Exists { get; init; }

    public bool CtRunning { get; init; }

    public ImmutableDictionary<string, string> CtConfig { get; init; } = ImmutableDictionary<string, string>.Empty;

    public bool ContainerExists { get; init; }

    public bool ContainerRunning { get; init; }

    public string? Image { get; init; }

    public string? RestartPolicy { get; init; }

    public ImmutableDictionary<string, string> Env { get; init; } = ImmutableDictionary<string, string>.Empty;

    public string? CertificatePem { get; init; }

    public bool Healthy { get; init; }

    public string? HealthDetail { get; init; }

    public string? EnvValue(string key) => Env.TryGetValue(key, out var v) ? v : null;

    /// <summary>Parses the sections printed by <see cref="DlsScripts.Read"/>.</summary>
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
        var state = new DlsNodeState
        {
            Exists = true,
            CtRunning = ct.Contains("running", StringComparison.Ordinal) || ct.Contains("docker-host", StringComparison.Ordinal),
            CtConfig = config,
            CertificatePem = Section("cert") is { Length: > 0 } pem && pem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal) ? pem + "\n" : null,
        };
        var health = Section("health");
        state = state with
        {
            Healthy = health.Contains("\"status\"", StringComparison.Ordinal) && health.Contains("up", StringComparison.Ordinal) && health.Contains("rc=0", StringComparison.Ordinal),
            HealthDetail = health.Length == 0 ? null : health,
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
            if (c.TryGetProperty("Config", out var cfg) && cfg.TryGetProperty("Env", out var envArray) && envArray.ValueKind == JsonValueKind.Array)
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

            return state with
            {
                ContainerExists = true,
                ContainerRunning = c.TryGetProperty("State", out var st) && st.TryGetProperty("Running", out var r) && r.ValueKind == JsonValueKind.True,
                Image = cfg.ValueKind == JsonValueKind.Object && cfg.TryGetProperty("Image", out var img) ? img.GetString() : null,
                RestartPolicy = c.TryGetProperty("HostConfig", out var hc) && hc.TryGetProperty("RestartPolicy", out var rp) && rp.TryGetProperty("Name", out var n) ? n.GetString() : null,
                Env = env.ToImmutable(),
            };
        }
        catch (JsonException)
        {
            return state;
        }
    }

    public long? EnvNumber(string key) =>
        EnvValue(key) is { } s && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}
