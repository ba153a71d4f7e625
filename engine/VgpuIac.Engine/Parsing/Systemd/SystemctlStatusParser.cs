using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Systemd;

/// <summary>
/// Reads <c>systemctl status &lt;unit&gt;</c> (old <c>vendor preset:</c> and new <c>preset:</c> layouts; the
/// <c>●</c>/<c>○</c>/<c>×</c>/<c>*</c> markers; Drop-In blocks; extra lines of newer systemd) and the error lines
/// systemctl prints for absent units.
/// </summary>
public static class SystemctlStatusParser
{
    private static readonly string[] Markers = ["●", "○", "×", "*", "↻", "•"];

    /// <summary>Reads every unit in the output (usually one).</summary>
    public static ParseResult<ImmutableArray<SystemdUnitStatus>> Parse(string? text)
    {
        var notes = new ParseNotes();
        var units = ImmutableArray.CreateBuilder<SystemdUnitStatus>();
        var absent = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var absentOrder = new List<string>();
        Builder? b = null;
        var inJournal = false;
        var keyColumn = -1;
        string? lastKey = null;
        string? dropInDir = null;

        void Flush()
        {
            if (b is null)
            {
                return;
            }

            if (b.LoadState is null || b.Active is null)
            {
                notes.Truncate($"{b.Unit}: the {(b.LoadState is null ? "Loaded" : "Active")} line is missing; the output was cut");
            }

            units.Add(b.Build());
            b = null;
        }

        var lineNo = 0;
        foreach (var raw in TextLines.Split(text))
        {
            lineNo++;
            var line = raw.TrimEnd();
            var trimmed = line.Trim();

            if (AbsentUnit(trimmed) is { } missingUnit)
            {
                if (!absent.TryGetValue(missingUnit, out var msgs))
                {
                    absent[missingUnit] = msgs = [];
                    absentOrder.Add(missingUnit);
                }

                msgs.Add(trimmed);
                continue;
            }

            if (HeaderLine(line) is { } header)
            {
                Flush();
                b = new Builder(header.Unit, header.Description, header.Marker);
                inJournal = false;
                keyColumn = -1;
                lastKey = null;
                continue;
            }

            if (b is null)
            {
                if (trimmed.Length > 0)
                {
                    notes.Warn($"line {lineNo}: not part of a unit status: '{trimmed}'");
                }

                continue;
            }

            if (trimmed.Length == 0)
            {
                inJournal = true;
                continue;
            }

            if (inJournal)
            {
                b.Journal.Add(line);
                continue;
            }

            var colon = trimmed.IndexOf(": ", StringComparison.Ordinal);
            var leading = line.Length - line.TrimStart().Length;
            var isKey = colon > 0 && IsKey(trimmed[..colon]) && (keyColumn < 0 || leading + colon == keyColumn || !IsContinuationKey(lastKey));
            if (trimmed.EndsWith(':') && IsKey(trimmed[..^1]))
            {
                isKey = true;
                colon = trimmed.Length - 1;
            }

            if (isKey)
            {
                keyColumn = leading + colon;
                lastKey = trimmed[..colon];
                var value = colon + 2 <= trimmed.Length ? trimmed[(colon + 2)..].Trim() : string.Empty;
                b.Properties.Add(new KeyValuePair<string, string>(lastKey, value));
                Apply(b, lastKey, value, ref dropInDir);
            }
            else if (lastKey == "Drop-In")
            {
                AddDropIn(b, trimmed, ref dropInDir);
            }
            else if (lastKey is not null)
            {
                b.Continuations.Add(trimmed);
            }
        }

        Flush();
        foreach (var name in absentOrder)
        {
            if (units.Any(u => u.Unit == name))
            {
                continue;
            }

            units.Add(new SystemdUnitStatus(
                name, null, null, "not-found", null, null, null, UnitActiveState.Inactive, "dead", null, null,
                [], null, null, [], [], [], [.. absent[name]]));
        }

        return notes.Result(units.ToImmutable());
    }

    private static void Apply(Builder b, string key, string value, ref string? dropInDir)
    {
        switch (key)
        {
            case "Loaded":
                ReadLoaded(b, value);
                break;
            case "Active":
                ReadActive(b, value);
                break;
            case "Drop-In":
                dropInDir = null;
                AddDropIn(b, value, ref dropInDir);
                break;
            case "Main PID":
                var sp = value.IndexOf(' ', StringComparison.Ordinal);
                b.MainPid = TextLines.Int(sp < 0 ? value : value[..sp]);
                var st = value.IndexOf("status=", StringComparison.Ordinal);
                if (st >= 0)
                {
                    var end = value.IndexOfAny([')', ','], st);
                    b.MainExit = end < 0 ? value[(st + 7)..] : value[(st + 7)..end];
                }

                break;
            case "Process":
                b.Processes.Add(value);
                break;
        }
    }

    private static void ReadLoaded(Builder b, string value)
    {
        var paren = value.IndexOf('(', StringComparison.Ordinal);
        b.LoadState = (paren < 0 ? value : value[..paren]).Trim();
        if (paren < 0)
        {
            return;
        }

        var close = value.LastIndexOf(')');
        var inner = close > paren ? value[(paren + 1)..close] : value[(paren + 1)..];
        var parts = inner.Split("; ", StringSplitOptions.TrimEntries);
        foreach (var part in parts)
        {
            if (part.StartsWith('/'))
            {
                b.Path = part;
            }
            else if (part.StartsWith("vendor preset:", StringComparison.Ordinal))
            {
                b.Preset = part["vendor preset:".Length..].Trim();
            }
            else if (part.StartsWith("preset:", StringComparison.Ordinal))
            {
                b.Preset = part["preset:".Length..].Trim();
            }
            else if (part.StartsWith("Reason:", StringComparison.Ordinal))
            {
                b.Messages.Add(part);
            }
            else if (b.FileState is null && !part.Contains(' ', StringComparison.Ordinal))
            {
                b.FileState = part;
            }
        }
    }

    private static void ReadActive(Builder b, string value)
    {
        var sp = value.IndexOf(' ', StringComparison.Ordinal);
        b.Active = SystemctlIsActiveParser.ParseState(sp < 0 ? value : value[..sp]);
        var paren = value.IndexOf('(', StringComparison.Ordinal);
        var close = paren < 0 ? -1 : value.IndexOf(')', paren);
        if (paren >= 0 && close > paren)
        {
            var inner = value[(paren + 1)..close];
            if (inner.StartsWith("Result:", StringComparison.Ordinal))
            {
                b.Result = inner["Result:".Length..].Trim();
                b.SubState = b.Active == UnitActiveState.Failed ? "failed" : null;
            }
            else
            {
                b.SubState = inner;
            }
        }

        var since = value.IndexOf(" since ", StringComparison.Ordinal);
        if (since >= 0)
        {
            var rest = value[(since + 7)..];
            var semi = rest.IndexOf(';', StringComparison.Ordinal);
            b.Since = (semi < 0 ? rest : rest[..semi]).Trim();
        }
    }

    private static void AddDropIn(Builder b, string text, ref string? dir)
    {
        var t = text.TrimStart('└', '├', '─', '│', ' ', '|', '`', '-');
        if (text.StartsWith('/') || (t.StartsWith('/') && t.EndsWith(".d", StringComparison.Ordinal)))
        {
            dir = t;
            return;
        }

        foreach (var file in t.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            b.DropIns.Add(dir is null ? file : dir + "/" + file);
        }
    }

    private static (string Unit, string? Description, string? Marker)? HeaderLine(string line)
    {
        if (line.Length == 0 || char.IsWhiteSpace(line[0]))
        {
            return null;
        }

        string? marker = null;
        var rest = line;
        foreach (var m in Markers)
        {
            if (rest.StartsWith(m + " ", StringComparison.Ordinal))
            {
                marker = m;
                rest = rest[(m.Length + 1)..];
                break;
            }
        }

        var dash = rest.IndexOf(" - ", StringComparison.Ordinal);
        var unit = (dash < 0 ? rest : rest[..dash]).Trim();
        if (unit.Contains(' ', StringComparison.Ordinal) || !LooksLikeUnit(unit) || (marker is null && dash < 0))
        {
            return null;
        }

        return (unit, dash < 0 ? null : rest[(dash + 3)..].Trim(), marker);
    }

    private static bool LooksLikeUnit(string s)
    {
        var dot = s.LastIndexOf('.');
        return dot > 0 && s[(dot + 1)..] is "service" or "socket" or "target" or "timer" or "mount" or "path" or "slice" or "scope" or "device" or "swap" or "automount";
    }

    /// <summary>"Unit x.service could not be found.", "Unit x.service not loaded.", "Unit file x.service does not exist."</summary>
    private static string? AbsentUnit(string line)
    {
        foreach (var (prefix, suffixes) in new[]
                 {
                     ("Unit file ", new[] { " does not exist." }),
                     ("Unit ", new[] { " could not be found.", " not loaded.", " not found." }),
                 })
        {
            var at = line.IndexOf(prefix, StringComparison.Ordinal);
            if (at < 0)
            {
                continue;
            }

            var rest = line[(at + prefix.Length)..];
            foreach (var suffix in suffixes)
            {
                var end = rest.IndexOf(suffix, StringComparison.Ordinal);
                if (end > 0 && !rest[..end].Contains(' ', StringComparison.Ordinal))
                {
                    return rest[..end];
                }
            }
        }

        return null;
    }

    private static bool IsKey(string s) =>
        s.Length is > 0 and < 24 && char.IsAsciiLetterUpper(s[0]) && s.All(c => char.IsAsciiLetter(c) || c is ' ' or '-');

    private static bool IsContinuationKey(string? key) => key is "CGroup" or "Drop-In" or "Docs" or "Status";

    private sealed class Builder(string unit, string? description, string? marker)
    {
        public string Unit { get; } = unit;

        public string? LoadState { get; set; }

        public string? Path { get; set; }

        public string? FileState { get; set; }

        public string? Preset { get; set; }

        public UnitActiveState? Active { get; set; }

        public string? SubState { get; set; }

        public string? Result { get; set; }

        public string? Since { get; set; }

        public int? MainPid { get; set; }

        public string? MainExit { get; set; }

        public List<string> DropIns { get; } = [];

        public List<string> Processes { get; } = [];

        public List<KeyValuePair<string, string>> Properties { get; } = [];

        public List<string> Journal { get; } = [];

        public List<string> Messages { get; } = [];

        public List<string> Continuations { get; } = [];

        public SystemdUnitStatus Build() => new(
            Unit, description, marker, LoadState, Path, FileState, Preset, Active ?? UnitActiveState.Unknown, SubState, Result, Since,
            [.. DropIns], MainPid, MainExit, [.. Processes], [.. Properties], [.. Journal], [.. Messages]);
    }
}
