using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// Reads <c>--format=csv</c> output, header-driven: the first line names the columns (<c>name [unit]</c>). For
/// <c>noheader</c> output pass the queried field names, in order, as <paramref name="fields"/>.
/// </summary>
public static class NvidiaSmiCsvParser
{
    public static ParseResult<NvidiaSmiCsv> Parse(string? text, IReadOnlyList<string>? fields = null)
    {
        var notes = new ParseNotes();
        var lines = TextLines.Split(text).Where(l => l.Trim().Length > 0).ToList();
        var columns = ImmutableArray.CreateBuilder<NvidiaSmiCsvColumn>();
        var rows = ImmutableArray.CreateBuilder<NvidiaSmiCsvRow>();
        var start = 0;
        if (fields is not null)
        {
            columns.AddRange(fields.Select(f => new NvidiaSmiCsvColumn(f.Trim(), null)));
        }
        else if (lines.Count > 0)
        {
            foreach (var cell in lines[0].Split(','))
            {
                var c = cell.Trim();
                var bracket = c.IndexOf(" [", StringComparison.Ordinal);
                columns.Add(bracket > 0 && c.EndsWith(']')
                    ? new NvidiaSmiCsvColumn(c[..bracket].Trim(), c[(bracket + 2)..^1])
                    : new NvidiaSmiCsvColumn(c, null));
            }

            start = 1;
        }

        for (var i = start; i < lines.Count; i++)
        {
            var cells = lines[i].Split(',').Select(c => c.Trim()).ToArray();
            if (cells.Length == 1 && columns.Count > 1 && cells[0].Contains(' ', StringComparison.Ordinal))
            {
                notes.Warn($"not a CSV row: '{lines[i].Trim()}'");
                continue;
            }

            if (cells.Length < columns.Count)
            {
                notes.Truncate($"row {i - start + 1} has {cells.Length} of {columns.Count} values; the output was cut");
            }
            else if (cells.Length > columns.Count)
            {
                notes.Warn($"row {i - start + 1} has {cells.Length} values for {columns.Count} columns");
            }

            var values = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
            for (var c = 0; c < Math.Min(cells.Length, columns.Count); c++)
            {
                values[columns[c].Name] = StripUnit(cells[c], columns[c].Unit);
            }

            rows.Add(new NvidiaSmiCsvRow(values.ToImmutable()));
        }

        return notes.Result(new NvidiaSmiCsv(columns.ToImmutable(), rows.ToImmutable()));
    }

    private static string StripUnit(string value, string? unit)
    {
        if (unit is null)
        {
            return value;
        }

        return value.EndsWith(" " + unit, StringComparison.Ordinal) ? value[..^(unit.Length + 1)].TrimEnd() : value;
    }
}
