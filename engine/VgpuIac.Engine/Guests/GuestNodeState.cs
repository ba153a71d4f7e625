using System.Collections.Immutable;
using System.Text.Json;
using VgpuIac.Engine.Parsing.NvidiaSmi;
using VgpuIac.Engine.Parsing.Pve;

namespace VgpuIac.Engine.Guests;

/// <summary>What the node and the guest agent say about a VM.</summary>
internal sealed record GuestNodeState
{
    private const string SmiMarker = "--- nvidia-smi -q\n";

    public bool Exists { get; init; }

    public QmConfig? Config { get; init; }

    public bool Running { get; init; }

    /// <summary>Null when the guest was not asked (agent off, VM stopped, setup none).</summary>
    public ImmutableDictionary<string, string>? Guest { get; init; }

    public string? GuestError { get; init; }

    public ImmutableArray<string> IpAddresses { get; init; } = [];

    public string? GuestValue(string key) => Guest is not null && Guest.TryGetValue(key, out var v) && v.Length > 0 ? v : null;

    public static GuestNodeState Parse(string output)
    {
        var sections = Sections(output);
        if (sections.ContainsKey("absent") || !sections.TryGetValue("config", out var configText))
        {
            return new GuestNodeState { Exists = false };
        }

        var state = new GuestNodeState
        {
            Exists = true,
            Config = QmConfigParser.Parse(configText).Value,
            Running = sections.TryGetValue("status", out var st) && st.Contains("running", StringComparison.Ordinal),
        };
        return state.WithGuestAnswers(sections);
    }

    /// <summary>This VM with the guest's answers added: the ### guest, guest-windows-*, and net sections of an agent read.</summary>
    public GuestNodeState WithGuestAnswers(string output) => WithGuestAnswers(Sections(output));

    private GuestNodeState WithGuestAnswers(Dictionary<string, string> sections)
    {
        var state = this;
        if (sections.TryGetValue("guest", out var guestText))
        {
            if (ParseExecJson(guestText) is not { } probe)
            {
                state = state with { Guest = null, GuestError = guestText.Trim() };
            }
            else
            {
                var (facts, error) = ParseProbe(probe.Out, probe.ExitCode, probe.Err);
                state = state with { Guest = facts, GuestError = error };

                // a Linux guest's probe lists its addresses itself (ip -o -4 addr show); only without them did the node script ask the agent (### net)
                if (GuestAddresses.FromProbe(probe.Out) is { } listed)
                {
                    state = state with { IpAddresses = listed };
                }
            }
        }

        if (sections.TryGetValue("guest-windows-smi", out var smiJson))
        {
            var (facts, error) = ParseWindowsGuest(smiJson, sections.GetValueOrDefault("guest-windows-token"));
            state = state with { Guest = facts, GuestError = error };
        }

        if (sections.TryGetValue("net", out var net))
        {
            state = state with { IpAddresses = GuestAddresses.FromAgent(net) };
        }

        return state;
    }

    private static Dictionary<string, string> Sections(string output)
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? current = null;
        var sb = new System.Text.StringBuilder();
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                if (current is not null)
                {
                    sections[current] = sb.ToString();
                }

                current = line[4..].Trim();
                sb.Clear();
            }
            else if (current is not null)
            {
                sb.Append(line).Append('\n');
            }
        }

        if (current is not null)
        {
            sections[current] = sb.ToString();
        }

        return sections;
    }

    /// <summary>Reads <c>qm guest exec</c> JSON: exit code, out-data, err-data.</summary>
    public static (int ExitCode, string Out, string Err)? ParseExecJson(string json)
    {
        var start = json.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(json[start..]);
            var root = doc.RootElement;
            return (
                root.TryGetProperty("exitcode", out var ec) && ec.TryGetInt32(out var code) ? code : -1,
                root.TryGetProperty("out-data", out var o) ? o.GetString() ?? string.Empty : string.Empty,
                root.TryGetProperty("err-data", out var e) ? e.GetString() ?? string.Empty : string.Empty);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The facts printed by <see cref="GuestScripts.GuestProbe"/> (through the agent or over SSH): key=value lines, then
    /// the addresses (read by <see cref="GuestAddresses.FromProbe"/>), then <c>nvidia-smi -q</c>. The error is the probe's
    /// stderr when it failed.
    /// </summary>
    public static (ImmutableDictionary<string, string> Facts, string? Error) ParseProbe(string output, int exitCode, string error)
    {
        var r = (Out: output, ExitCode: exitCode, Err: error);

        // key=value lines, then nvidia-smi -q (the licence status comes from the nvidia-smi -q parser, as for Windows guests)
        var keyValues = r.Out;
        string? smi = null;
        var marker = keyValues.IndexOf(SmiMarker, StringComparison.Ordinal);
        if (marker >= 0)
        {
            smi = keyValues[(marker + SmiMarker.Length)..];
            keyValues = keyValues[..marker];
        }

        // the key=value lines end at the first "--- " section (the addresses, or nvidia-smi -q)
        var facts = keyValues.Split('\n')
            .TakeWhile(l => !l.StartsWith("--- ", StringComparison.Ordinal))
            .Select(l => l.Split('=', 2))
            .Where(p => p.Length == 2)
            .GroupBy(p => p[0], StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.First()[1].Trim(), StringComparer.Ordinal);
        if (smi is not null)
        {
            var licence = GuestLicenceParser.Parse(smi).Value;
            facts["license_status"] = licence.Status?.Text ?? string.Empty;
            if (facts.GetValueOrDefault("driver_version", string.Empty).Length == 0 && licence.DriverVersion is { } driver)
            {
                facts["driver_version"] = driver;
            }
        }

        return (facts.ToImmutableDictionary(StringComparer.Ordinal), r.ExitCode == 0 ? null : r.Err.Trim());
    }

    /// <summary>
    /// A Windows guest's facts from two agent execs: <c>nvidia-smi.exe -q</c> (read by the same parser as Linux guests'
    /// output) and <c>certutil -hashfile TOKEN SHA256</c>. A missing nvidia-smi.exe (no driver) or token gives empty facts,
    /// not an unknown guest: the agent answered.
    /// </summary>
    private static (ImmutableDictionary<string, string> Facts, string? Error) ParseWindowsGuest(string smiText, string? tokenText)
    {
        var facts = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        string? error = null;
        if (ParseExecJson(smiText) is { } smi && smi.ExitCode == 0)
        {
            var licence = GuestLicenceParser.Parse(smi.Out).Value;
            facts["driver_version"] = licence.DriverVersion ?? string.Empty;
            facts["license_status"] = licence.Status?.Text ?? string.Empty;
        }
        else
        {
            error = ParseExecJson(smiText) is { } failed ? (failed.Err + " " + failed.Out).Trim() : smiText.Trim();
        }

        if (tokenText is not null && ParseExecJson(tokenText) is { ExitCode: 0 } token && ParseCertutilSha256(token.Out) is { } sha)
        {
            facts["token_sha256"] = sha;
        }

        return (facts.ToImmutable(), error);
    }

    /// <summary>The hash line of <c>certutil -hashfile FILE SHA256</c> (Windows 10+: plain hex; older: bytes separated by spaces), lower case.</summary>
    public static string? ParseCertutilSha256(string output)
    {
        foreach (var line in output.Split('\n'))
        {
            var hex = line.Replace(" ", string.Empty, StringComparison.Ordinal).Trim();
            if (hex.Length == 64 && hex.All(char.IsAsciiHexDigit))
            {
                return hex.ToLowerInvariant();
            }
        }

        return null;
    }

    /// <summary>The <c>id</c> of <c>qm guest cmd VMID get-osinfo</c> (<c>mswindows</c>, <c>ubuntu</c>, ...); null when unreadable.</summary>
    public static string? ParseOsInfoId(string json)
    {
        var start = json.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(json[start..]);
            return doc.RootElement.TryGetProperty("id", out var id) ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
