using System.Globalization;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// A <c>License Status</c> value such as <c>Licensed (Expiry: 2024-5-20 9:40:22 GMT)</c> (fields not zero-padded),
/// <c>Licensed (Expiry: N/A)</c>, <c>Unlicensed (Unrestricted)</c>, <c>N/A (Expiry: N/A)</c>. <see cref="Expiry"/> is
/// UTC, null when absent or N/A.
/// </summary>
internal sealed record LicenceStatus(LicenceState State, DateTimeOffset? Expiry, string Text)
{
    public bool IsLicensed => State == LicenceState.Licensed;

    public static LicenceStatus Parse(string? text)
    {
        var t = (text ?? string.Empty).Trim();
        var paren = t.IndexOf('(', StringComparison.Ordinal);
        var head = (paren < 0 ? t : t[..paren]).Trim();
        var inner = paren < 0 ? string.Empty : t[(paren + 1)..].TrimEnd(')').Trim();
        var state = head switch
        {
            "Licensed" => LicenceState.Licensed,
            "Unlicensed" => inner switch
            {
                "Unrestricted" => LicenceState.UnlicensedUnrestricted,
                "Restricted" => LicenceState.UnlicensedRestricted,
                _ => LicenceState.Unlicensed,
            },
            "N/A" => LicenceState.NotAvailable,
            _ => LicenceState.Unknown,
        };

        DateTimeOffset? expiry = null;
        var exp = t.IndexOf("Expiry:", StringComparison.Ordinal);
        if (exp >= 0)
        {
            var rest = t[(exp + 7)..];
            var end = rest.IndexOf(')', StringComparison.Ordinal);
            expiry = ParseExpiry(end < 0 ? rest : rest[..end]);
        }

        return new LicenceStatus(state, expiry, t);
    }

    /// <summary>Reads <c>2024-5-20 9:40:22 GMT</c> (any padding; the zone is GMT/UTC); null for N/A or junk.</summary>
    public static DateTimeOffset? ParseExpiry(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var t = text.Trim();
        foreach (var zone in new[] { " GMT", " UTC" })
        {
            if (t.EndsWith(zone, StringComparison.Ordinal))
            {
                t = t[..^zone.Length].TrimEnd();
            }
        }

        return DateTime.TryParseExact(t, "yyyy-M-d H:m:s", CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt)
            ? new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc))
            : null;
    }
}
