using System.Collections.Immutable;
using System.Text.Json;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// The guest's <c>ip_addresses</c>: its IPv4 addresses in the order the guest lists them (interface by interface), the
/// loopback (127.*) left out, duplicates kept. Read from what a Linux guest's own <c>ip -o -4 addr show</c> prints in the
/// probe (<see cref="GuestScripts.GuestProbe"/>), or from the agent's <c>network-get-interfaces</c> (Windows guests,
/// guests read over SSH, and Linux guests whose <c>ip</c> is missing or failed): the same list either way.
/// </summary>
internal static class GuestAddresses
{
    /// <summary>
    /// The probe prints this line, then <c>ip -o -4 addr show</c>'s lines, only when <c>ip</c> exited 0: the node script
    /// asks the agent's <c>network-get-interfaces</c> only when the probe's answer lacks it.
    /// </summary>
    public const string IpMarker = "--- ip -o -4 addr show";

    /// <summary>The probe prints this line instead when the guest has no <c>ip</c> or it failed (it contains no <see cref="IpMarker"/>).</summary>
    public const string IpUnavailable = "--- ip unavailable";

    /// <summary>
    /// The addresses in a probe's output (the lines after <see cref="IpMarker"/> up to the next <c>--- </c> line); null when
    /// the probe did not print them (no <c>ip</c> in the guest, or it failed).
    /// </summary>
    public static ImmutableArray<string>? FromProbe(string probeOutput)
    {
        ArgumentNullException.ThrowIfNull(probeOutput);
        var lines = probeOutput.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var start = Array.IndexOf(lines, IpMarker);
        if (start < 0)
        {
            return null;
        }

        var section = lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("--- ", StringComparison.Ordinal));
        return FromIpOneline(string.Join('\n', section));
    }

    /// <summary>
    /// The addresses in <c>ip -o addr show</c> output (iproute2 and busybox: <c>IDX: NAME    inet ADDR/PREFIX ...</c>, one
    /// address a line). inet6 and other lines are skipped, and so is a line whose address is not a whole dotted quad
    /// followed by its prefix or another field (a line cut short).
    /// </summary>
    public static ImmutableArray<string> FromIpOneline(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = ImmutableArray.CreateBuilder<string>();
        foreach (var line in text.Split('\n'))
        {
            var fields = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 4 || !IsIndex(fields[0]) || fields[2] != "inet")
            {
                continue;
            }

            var token = fields[3];
            var slash = token.IndexOf('/', StringComparison.Ordinal);

            // "10.0.0.5/24 brd ..." or "10.0.0.1 peer 10.0.0.2/32 ...": the address ends at '/' or at the next field
            if (slash < 0 && fields.Length < 5)
            {
                continue;
            }

            var address = slash < 0 ? token : token[..slash];
            if (IsDottedQuad(address) && Kept(address))
            {
                list.Add(address);
            }
        }

        return list.ToImmutable();
    }

    /// <summary>The addresses in <c>qm agent VMID network-get-interfaces</c> JSON (type ipv4); empty when it does not read.</summary>
    public static ImmutableArray<string> FromAgent(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json.Trim());
            var list = ImmutableArray.CreateBuilder<string>();
            foreach (var iface in doc.RootElement.EnumerateArray())
            {
                if (!iface.TryGetProperty("ip-addresses", out var addrs))
                {
                    continue;
                }

                foreach (var a in addrs.EnumerateArray())
                {
                    if (a.TryGetProperty("ip-address-type", out var t) && t.GetString() == "ipv4"
                        && a.TryGetProperty("ip-address", out var ip) && ip.GetString() is { } s && Kept(s))
                    {
                        list.Add(s);
                    }
                }
            }

            return list.ToImmutable();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return [];
        }
    }

    private static bool Kept(string address) => !address.StartsWith("127.", StringComparison.Ordinal);

    private static bool IsIndex(string field) => field.Length > 1 && field[^1] == ':' && field[..^1].All(char.IsAsciiDigit);

    private static bool IsDottedQuad(string s)
    {
        var parts = s.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit) && int.Parse(p, System.Globalization.CultureInfo.InvariantCulture) <= 255);
    }
}
