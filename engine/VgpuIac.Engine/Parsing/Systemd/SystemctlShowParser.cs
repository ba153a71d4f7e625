using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Systemd;

/// <summary>Reads <c>systemctl show [-p A,B]</c> output: <c>Key=value</c> lines, one block per unit separated by a blank line.</summary>
internal static class SystemctlShowParser
{
    /// <summary>Reads output for one unit (blocks, if several, are merged in order).</summary>
    public static ParseResult<SystemdUnitProperties> Parse(string? text)
    {
        var many = ParseMany(text);
        return many.Select(units => new SystemdUnitProperties([.. units.SelectMany(u => u.Entries)]));
    }

    /// <summary>Reads output for several units (<c>systemctl show a.service b.service</c>).</summary>
    public static ParseResult<ImmutableArray<SystemdUnitProperties>> ParseMany(string? text)
    {
        var notes = new ParseNotes();
        var units = ImmutableArray.CreateBuilder<SystemdUnitProperties>();
        var current = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
        var lineNo = 0;
        foreach (var line in TextLines.Split(text))
        {
            lineNo++;
            if (line.Trim().Length == 0)
            {
                if (current.Count > 0)
                {
                    units.Add(new SystemdUnitProperties(current.ToImmutable()));
                    current.Clear();
                }

                continue;
            }

            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || line[..eq].Contains(' ', StringComparison.Ordinal))
            {
                notes.Warn($"line {lineNo}: not a property line: '{line.Trim()}'");
                continue;
            }

            current.Add(new KeyValuePair<string, string>(line[..eq], line[(eq + 1)..]));
        }

        if (current.Count > 0)
        {
            units.Add(new SystemdUnitProperties(current.ToImmutable()));
        }

        return notes.Result(units.ToImmutable());
    }
}
