using System.Collections.Immutable;
using System.Globalization;
using VgpuIac.Engine.Parsing.Journal;
using VgpuIac.Engine.Parsing.NvidiaSmi;

namespace VgpuIac.Engine.Parsing.Licensing;

/// <summary>
/// Reads nvidia-gridd journal lines (<c>Jan 22 19:18:41 host nvidia-gridd[1]: ...</c>) and Windows
/// <c>Log.NVDisplay.Container.exe.log</c> lines (<c>Tue Dec 20 17:25:11 2022:&lt;1&gt;:...</c> or <c>&lt;1&gt;:...</c>).
/// systemd's own lines about the unit in <c>journalctl -u nvidia-gridd</c> ("Main process exited ...", "Failed with
/// result 'exit-code'") are <see cref="GridLogEventKind.ServiceManager"/>, never a licensing failure: the reason comes
/// from gridd's lines ("Started NVIDIA Grid Daemon" stays <see cref="GridLogEventKind.Started"/>). On a bad token gridd
/// logs "Failed to read configurations ...", then "Failed to setup cloud License Manager" and "Shutdown".
/// </summary>
internal static class GridLogParser
{
    public static ParseResult<GridLog> Parse(string? text)
    {
        var notes = new ParseNotes();
        var events = ImmutableArray.CreateBuilder<GridLogEvent>();
        foreach (var raw in TextLines.Split(text))
        {
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (TextLines.IsPagerMark(line) || TextLines.IsLessStatus(line))
            {
                if (TextLines.IsPagerMark(line))
                {
                    notes.Truncate($"the log was copied from a pager that had more to show ('{line}')");
                }

                continue;
            }

            if (line.EndsWith(" >", StringComparison.Ordinal) || line.EndsWith('\u2026'))
            {
                // less -S marks a chopped line with '>' in its last column; systemctl status ellipsizes long lines
                notes.Truncate($"line cut at the screen's edge: '{line}'");
            }

            string message;
            string? timestamp = null;
            int? instance = null;
            var fromSystemd = false;
            if (TryWindows(line, out var winTs, out var winInstance, out var winMessage))
            {
                (timestamp, instance, message) = (winTs, winInstance, winMessage);
            }
            else if (JournalParser.Parse(line).Value.Entries is [var entry])
            {
                if (entry.Identifier is not ("nvidia-gridd" or "gridd" or "nvidia-gridd.service") && entry.Identifier != "systemd")
                {
                    notes.Warn($"line from {entry.Identifier}, not nvidia-gridd: '{line}'");
                }

                (timestamp, message) = (entry.Timestamp, entry.Message);
                fromSystemd = entry.Identifier == "systemd";
            }
            else
            {
                message = line;
            }

            var ev = Classify(message, line, timestamp, instance);
            events.Add(fromSystemd && ev.Kind is GridLogEventKind.Failure or GridLogEventKind.Other
                ? ev with { Kind = GridLogEventKind.ServiceManager, Reason = null }
                : ev);
        }

        return notes.Result(new GridLog(events.ToImmutable()));
    }

    public static GridLogEvent Classify(string message, string line, string? timestamp = null, int? instance = null)
    {
        var (server, product, expiry) = ReadInfo(message);
        GridLogEvent Ev(GridLogEventKind kind, GridFailureReason? reason = null) =>
            new(kind, reason, message, line, timestamp, instance, server, product, expiry,
                message.Contains("local trusted store", StringComparison.Ordinal));
        bool Has(string s) => message.Contains(s, StringComparison.OrdinalIgnoreCase);

        if (Has("License acquired successfully"))
        {
            return Ev(GridLogEventKind.Acquired);
        }

        if (Has("Acquiring license"))
        {
            return Ev(GridLogEventKind.Acquiring);
        }

        if (Has("License returned successfully"))
        {
            return Ev(GridLogEventKind.Returned);
        }

        if (Has("Valid GRID license not found"))
        {
            return Ev(GridLogEventKind.NotLicensed);
        }

        if (Has("NLS initialized"))
        {
            return Ev(GridLogEventKind.NlsInitialized);
        }

        if (message.StartsWith("Started (", StringComparison.Ordinal) || Has("Started NVIDIA Grid Daemon"))
        {
            return Ev(GridLogEventKind.Started);
        }

        if (message.Trim() is "End Logging" or "Shutdown" || message.StartsWith("Shutdown (", StringComparison.Ordinal))
        {
            return Ev(GridLogEventKind.Stopped);
        }

        GridFailureReason? reason =
            Has("Failed to decode signature") || (Has("token") && (Has("expired") || Has("invalid") || Has("signature")))
            || Has("Failed to read configurations")
                ? GridFailureReason.BadClientToken
            : Has("client configuration token") && (Has("Unable to fetch") || Has("not found") || Has("No client"))
                ? GridFailureReason.NoClientToken
            : Has("clock") || Has("time skew") || Has("not yet valid") || Has("system time") || Has("time to process response has expired")
                ? GridFailureReason.ClockSkew
            : Has("Configuration parameter") && Has("not set")
                ? GridFailureReason.ConfigurationMissing
            : Has("Invalid feature type")
                ? GridFailureReason.InvalidFeatureType
            : Has("Couldn't connect") || Has("Failed to connect") || Has("Failure in connecting") || Has("unable to reach") || Has("timed out") || Has("Connection refused")
              || Has("Failed to establish") || Has("unreachable") || Has("SSL") || Has("Could not resolve")
                ? GridFailureReason.ServerUnreachable
            : Has("returned error") || Has("Response status") || Has("server returned") || Has("HTTP error") || Has("Error response")
                ? GridFailureReason.ServerError
            : Has("Failed to acquire license") || Has("error") || Has("failed")
                ? GridFailureReason.Unknown
            : null;
        return reason is null ? Ev(GridLogEventKind.Other) : Ev(GridLogEventKind.Failure, reason);
    }

    private static (string? Server, string? Product, DateTimeOffset? Expiry) ReadInfo(string message)
    {
        var at = message.IndexOf("(Info: ", StringComparison.Ordinal);
        if (at < 0)
        {
            return (null, null, null);
        }

        var inner = message[(at + 7)..];
        var close = inner.LastIndexOf(')');
        if (close >= 0)
        {
            inner = inner[..close];
        }

        DateTimeOffset? expiry = null;
        var exp = inner.IndexOf("Expiry:", StringComparison.Ordinal);
        if (exp >= 0)
        {
            expiry = LicenceStatus.ParseExpiry(inner[(exp + 7)..]);
            inner = inner[..exp].TrimEnd(' ', ';');
        }

        var sep = inner.IndexOfAny([',', ';']);
        return sep < 0
            ? (inner.Trim(), null, expiry)
            : (inner[..sep].Trim(), inner[(sep + 1)..].Trim() is { Length: > 0 } p ? p : null, expiry);
    }

    private static bool TryWindows(string line, out string? timestamp, out int? instance, out string message)
    {
        timestamp = null;
        instance = null;
        message = line;
        var start = 0;
        if (!line.StartsWith('<'))
        {
            var lt = line.IndexOf(":<", StringComparison.Ordinal);
            if (lt < 0 || !NvidiaSmiTimestamp(line[..lt]))
            {
                return false;
            }

            timestamp = line[..lt];
            start = lt + 1;
        }

        var gt = line.IndexOf(">:", start, StringComparison.Ordinal);
        if (gt < 0 || !int.TryParse(line.AsSpan(start + 1, gt - start - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return false;
        }

        instance = n;
        message = line[(gt + 2)..].Trim();
        return true;
    }

    private static bool NvidiaSmiTimestamp(string s)
    {
        var t = s.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return t.Length == 5 && t[3].Count(c => c == ':') == 2 && t[4].Length == 4;
    }
}
