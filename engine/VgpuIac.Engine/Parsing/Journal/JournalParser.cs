using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace VgpuIac.Engine.Parsing.Journal;

/// <summary>
/// Reads <c>journalctl</c> (short and short-iso) and syslog lines: <c>Mon DD HH:MM:SS host ident[pid]: message</c>, with
/// localized month names as glibc abbreviates them (<c>Dez</c>, <c>déc.</c>, <c>dic</c>, <c>mag</c>, <c>wrz</c>, <c>9月</c>, ...), without host, or without the timestamp
/// prefix at all (<c>ident[pid]: message</c>). Indented lines continue the previous entry; a message ending in
/// <c>{</c> opens a struct dump that is grouped until its braces balance.
/// </summary>
internal static class JournalParser
{
    private static readonly (string Prefix, int Month)[] MonthNames =
    [
        ("jan", 1), ("feb", 2), ("mar", 3), ("apr", 4), ("may", 5), ("jun", 6), ("jul", 7), ("aug", 8), ("sep", 9), ("oct", 10), ("nov", 11), ("dec", 12),
        ("mrt", 3), ("mei", 5), ("okt", 10), ("mär", 3), ("mai", 5), ("dez", 12), ("ene", 1), ("abr", 4), ("ago", 8), ("dic", 12),
        ("janv", 1), ("févr", 2), ("fév", 2), ("mars", 3), ("avr", 4), ("juin", 6), ("juil", 7), ("août", 8), ("déc", 12),
        ("gen", 1), ("mag", 5), ("giu", 6), ("lug", 7), ("set", 9), ("ott", 10),
        ("sty", 1), ("lut", 2), ("kwi", 4), ("maj", 5), ("cze", 6), ("lip", 7), ("sie", 8), ("wrz", 9), ("paź", 10), ("lis", 11), ("gru", 12),
        ("fev", 2), ("out", 10),
    ];

    public static ParseResult<JournalLog> Parse(string? text)
    {
        var notes = new ParseNotes();
        var entries = new List<Builder>();
        var headers = ImmutableArray.CreateBuilder<string>();
        var other = ImmutableArray.CreateBuilder<string>();
        Builder? open = null;
        var depth = 0;
        var lineNo = 0;
        foreach (var raw in TextLines.Split(text))
        {
            lineNo++;
            var line = raw.TrimEnd();
            var trimmed = line.Trim();
            if (trimmed.Length == 0)
            {
                continue;
            }

            if (trimmed.StartsWith("-- ", StringComparison.Ordinal))
            {
                headers.Add(trimmed);
                continue;
            }

            if (char.IsWhiteSpace(line[0]) && entries.Count > 0)
            {
                entries[^1].Lines.Add(Unescape(trimmed));
                continue;
            }

            var entry = ParseLine(line, lineNo, notes);
            if (entry is null)
            {
                other.Add(trimmed);
                continue;
            }

            if (open is not null && open.Identifier == entry.Identifier && open.Pid == entry.Pid)
            {
                open.Lines.Add(entry.Lines[0]);
                depth += Balance(entry.Lines[0]);
                if (depth <= 0)
                {
                    open = null;
                }

                continue;
            }

            open = null;
            entries.Add(entry);
            var msg = entry.Lines[0].TrimEnd();
            if (msg.EndsWith('{'))
            {
                open = entry;
                depth = Balance(msg);
            }
        }

        if (open is not null)
        {
            notes.Truncate($"the struct dump starting at line {open.LineNumber} is not closed; the log was cut");
        }

        return notes.Result(new JournalLog([.. entries.Select(e => e.Build())], headers.ToImmutable(), other.ToImmutable()));
    }

    /// <summary>Decodes rsyslog control-character escapes: <c>#012</c> newline, <c>#011</c> tab, <c>#015</c> CR, ...</summary>
    public static string Unescape(string message)
    {
        if (!message.Contains('#', StringComparison.Ordinal))
        {
            return message;
        }

        var sb = new StringBuilder(message.Length);
        for (var i = 0; i < message.Length; i++)
        {
            if (message[i] == '#' && i + 3 < message.Length
                && message[i + 1] is >= '0' and <= '3' && message[i + 2] is >= '0' and <= '7' && message[i + 3] is >= '0' and <= '7')
            {
                var value = ((message[i + 1] - '0') * 64) + ((message[i + 2] - '0') * 8) + (message[i + 3] - '0');
                if (value < 32)
                {
                    sb.Append((char)value);
                    i += 3;
                    continue;
                }
            }

            sb.Append(message[i]);
        }

        return sb.ToString();
    }

    private static Builder? ParseLine(string line, int lineNo, ParseNotes notes)
    {
        var tokens = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
        string? timestamp = null;
        int? month = null, day = null;
        TimeOnly? time = null;
        string rest;

        if (tokens.Length >= 4 && IsDay(tokens[1]) && TryTime(tokens[2], out var t))
        {
            month = Month(tokens[0]);
            if (month is null)
            {
                notes.Warn($"line {lineNo}: unknown month '{tokens[0]}'");
            }

            day = int.Parse(tokens[1], NumberStyles.None, CultureInfo.InvariantCulture);
            time = t;
            timestamp = $"{tokens[0]} {tokens[1]} {tokens[2]}";
            rest = tokens[3];
        }
        else if (tokens.Length >= 2 && tokens[0].Length >= 19 && tokens[0][4] == '-' && tokens[0][10] == 'T'
                 && DateTimeOffset.TryParse(tokens[0], CultureInfo.InvariantCulture, DateTimeStyles.None, out var iso))
        {
            timestamp = tokens[0];
            month = iso.Month;
            day = iso.Day;
            time = TimeOnly.FromTimeSpan(iso.TimeOfDay);
            rest = line.TrimStart()[tokens[0].Length..].TrimStart();
        }
        else
        {
            rest = line.Trim();
        }

        var parts = rest.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        string? host = null;
        string identToken;
        string message;
        if (parts.Length >= 1 && parts[0].EndsWith(':') && (timestamp is not null || parts[0].Contains('[', StringComparison.Ordinal)))
        {
            identToken = parts[0];
            message = rest[(rest.IndexOf(parts[0], StringComparison.Ordinal) + parts[0].Length)..];
        }
        else if (timestamp is not null && parts.Length >= 2 && parts[1].EndsWith(':'))
        {
            host = parts[0];
            identToken = parts[1];
            var at = rest.IndexOf(parts[1], parts[0].Length, StringComparison.Ordinal);
            message = rest[(at + parts[1].Length)..];
        }
        else if (timestamp is not null && parts.Length >= 2)
        {
            // "host ident message" without colon is not journal syntax; keep it as the host's message.
            host = parts[0];
            identToken = string.Empty;
            message = rest[parts[0].Length..];
        }
        else
        {
            return null;
        }

        var ident = identToken.TrimEnd(':');
        int? pid = null;
        var bracket = ident.IndexOf('[', StringComparison.Ordinal);
        if (bracket > 0 && ident.EndsWith(']'))
        {
            pid = TextLines.Int(ident[(bracket + 1)..^1]);
            ident = ident[..bracket];
        }

        var b = new Builder(timestamp, month, day, time, host, ident, pid, lineNo);
        b.Lines.Add(Unescape(message.Trim()));
        return b;
    }

    private static bool IsDay(string s) => s.Length is 1 or 2 && s.All(char.IsAsciiDigit);

    private static bool TryTime(string s, out TimeOnly time)
    {
        var t = s;
        var dot = t.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            t = t[..dot];
        }

        return TimeOnly.TryParseExact(t, "HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
    }

    private static int? Month(string token)
    {
        var t = token.TrimEnd('.').ToLowerInvariant();
        if (t.EndsWith('月'))
        {
            return int.TryParse(t[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var m) && m is >= 1 and <= 12 ? m : null;
        }

        if (t.Length < 3)
        {
            return null;
        }

        foreach (var (prefix, month) in MonthNames.OrderByDescending(m => m.Prefix.Length))
        {
            if (t.StartsWith(prefix, StringComparison.Ordinal))
            {
                return month;
            }
        }

        return null;
    }

    private static int Balance(string s)
    {
        var n = 0;
        foreach (var c in s)
        {
            if (c == '{')
            {
                n++;
            }
            else if (c == '}')
            {
                n--;
            }
        }

        return n;
    }

    private sealed class Builder(string? timestamp, int? month, int? day, TimeOnly? time, string? host, string identifier, int? pid, int lineNumber)
    {
        public string Identifier { get; } = identifier;

        public int? Pid { get; } = pid;

        public int LineNumber { get; } = lineNumber;

        public List<string> Lines { get; } = [];

        public JournalEntry Build() => new(timestamp, month, day, time, host, Identifier, Pid, string.Join('\n', Lines), LineNumber);
    }
}
