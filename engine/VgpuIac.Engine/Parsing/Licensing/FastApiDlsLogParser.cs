using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Licensing;

/// <summary>Reads FastAPI-DLS (<c>docker logs</c>) lines of the form <c>&gt; [ phase ]: ORIGIN[ (challenge)]: detail</c>.</summary>
public static class FastApiDlsLogParser
{
    public static ParseResult<ImmutableArray<FastApiDlsLogEntry>> Parse(string? text)
    {
        var notes = new ParseNotes();
        var list = ImmutableArray.CreateBuilder<FastApiDlsLogEntry>();
        foreach (var raw in TextLines.Split(text))
        {
            var t = raw.Trim();
            if (t.Length == 0)
            {
                continue;
            }

            var open = t.IndexOf('[', StringComparison.Ordinal);
            var close = open < 0 ? -1 : t.IndexOf("]:", open, StringComparison.Ordinal);
            if (open < 0 || close < 0 || open > 3)
            {
                notes.Warn($"not a FastAPI-DLS log line: '{(t.Length > 80 ? t[..80] + "..." : t)}'");
                continue;
            }

            var phase = t[(open + 1)..close].Trim();
            var rest = t[(close + 2)..].Trim();
            var colon = rest.IndexOf(": ", StringComparison.Ordinal);
            string? origin = null;
            var detail = rest;
            if (colon > 0)
            {
                origin = rest[..colon].Split(' ')[0];
                detail = rest[(colon + 2)..];
            }

            list.Add(new FastApiDlsLogEntry(phase, origin, detail, Quoted(detail, "hostname"), Quoted(detail, "guest_driver_version"), Quoted(detail, "host_driver_version"), Quoted(detail, "client_platform_id")));
        }

        return notes.Result(list.ToImmutable());
    }

    /// <summary>Reads <c>'key': 'value'</c> from a Python dict repr.</summary>
    private static string? Quoted(string s, string key)
    {
        var marker = "'" + key + "': '";
        var at = s.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = s[(at + marker.Length)..];
        var end = rest.IndexOf('\'', StringComparison.Ordinal);
        return end < 0 ? null : rest[..end];
    }
}
