using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// Reads the default <c>nvidia-smi</c> table of hosts and guests: the 470/510/525 layout, the wider 535 and 550/570
/// layouts, the 580 top border. Prompt lines before the table are skipped; a missing date line is fine; output that
/// ends early returns what was read with <see cref="ParseResult{T}.Truncated"/> set.
/// </summary>
internal static class NvidiaSmiTableParser
{
    public static ParseResult<NvidiaSmiTable> Parse(string? text)
    {
        var notes = new ParseNotes();
        var lines = TextLines.Split(text).Select(l => l.TrimEnd()).ToArray();
        string? timestamp = null, smi = null, driver = null, cuda = null, error = null;
        var gpus = ImmutableArray.CreateBuilder<NvidiaSmiTableGpu>();
        var processes = ImmutableArray.CreateBuilder<GpuProcess>();

        var i = 0;
        var versionSeen = false;
        for (; i < lines.Length; i++)
        {
            var l = lines[i];
            if (NvidiaSmiVersionLine.IsVersionLine(l))
            {
                (smi, driver, cuda) = NvidiaSmiVersionLine.Read(l);
                versionSeen = true;
                i++;
                break;
            }

            if (NvidiaSmiVersionLine.IsTimestamp(l.Trim()))
            {
                timestamp = l.Trim();
            }
            else if (l.Trim().Length > 0 && !NvidiaSmiVersionLine.IsBorder(l) && !IsPrompt(l))
            {
                error ??= l.Trim();
            }
        }

        if (!versionSeen)
        {
            notes.Warn(error is null ? "no nvidia-smi table in the output" : $"nvidia-smi printed no table: {error}");
            return notes.Result(new NvidiaSmiTable(timestamp, null, null, null, gpus.ToImmutable(), processes.ToImmutable(), error));
        }

        error = null;

        // GPU table: find the '|===' line after the column headings.
        var gpuTableOpen = false;
        for (; i < lines.Length; i++)
        {
            if (lines[i].TrimStart().StartsWith("|=", StringComparison.Ordinal))
            {
                gpuTableOpen = true;
                i++;
                break;
            }
        }

        var gpuTableClosed = false;
        GpuBuilder? current = null;
        var rowInGpu = 0;
        for (; gpuTableOpen && i < lines.Length; i++)
        {
            var l = lines[i];
            var t = l.Trim();
            if (t.StartsWith('+'))
            {
                if (current is not null)
                {
                    gpus.Add(current.Build());
                    current = null;
                }

                // A GPU block ends with a border; the table ends when the next line is not another GPU row.
                if (i + 1 >= lines.Length || !IsGpuFirstRow(lines[i + 1]))
                {
                    gpuTableClosed = true;
                    i++;
                    break;
                }

                continue;
            }

            if (!t.StartsWith('|'))
            {
                error = t.Length > 0 ? t : null;
                break;
            }

            var cells = NvidiaSmiVersionLine.Cells(l);
            if (IsGpuFirstRow(l))
            {
                if (current is not null)
                {
                    gpus.Add(current.Build());
                }

                current = GpuBuilder.FromFirstRow(cells);
                rowInGpu = 1;
                continue;
            }

            if (current is null)
            {
                continue;
            }

            rowInGpu++;
            if (rowInGpu == 2)
            {
                current.ReadSecondRow(cells);
            }
            else if (rowInGpu == 3 && cells.Length >= 3)
            {
                current.MigMode = NullIfEmpty(cells[2].Trim());
            }
        }

        if (current is not null)
        {
            gpus.Add(current.Build());
        }

        if (!gpuTableOpen)
        {
            notes.Truncate("the output ends before the GPU table");
        }
        else if (!gpuTableClosed)
        {
            notes.Truncate(error is null ? "the GPU table is cut" : $"the GPU table stops at: {error}");
        }
        else
        {
            ReadProcesses(lines, i, processes, notes, ref error);
        }

        return notes.Result(new NvidiaSmiTable(timestamp, smi, driver, cuda, gpus.ToImmutable(), processes.ToImmutable(), error));
    }

    private static void ReadProcesses(string[] lines, int i, ImmutableArray<GpuProcess>.Builder processes, ParseNotes notes, ref string? error)
    {
        var header = -1;
        for (; i < lines.Length; i++)
        {
            if (lines[i].Contains("Processes:", StringComparison.Ordinal))
            {
                header = i;
                break;
            }
        }

        if (header < 0)
        {
            var rest = lines.Skip(i).Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('|') && !l.StartsWith('+'));
            if (rest is not null)
            {
                error = rest;
            }

            notes.Truncate("the process table is missing");
            return;
        }

        var withInstances = false;
        var open = false;
        for (i = header + 1; i < lines.Length; i++)
        {
            var t = lines[i].Trim();
            if (!open)
            {
                if (t.Contains(" GI ", StringComparison.Ordinal))
                {
                    withInstances = true;
                }

                if (t.StartsWith("|=", StringComparison.Ordinal))
                {
                    open = true;
                }

                continue;
            }

            if (t.StartsWith('+'))
            {
                return;
            }

            if (!t.StartsWith('|'))
            {
                error = t.Length > 0 ? t : error;
                break;
            }

            var cell = NvidiaSmiVersionLine.Cells(t)[0].Trim();
            if (cell.Length == 0 || cell.StartsWith("No running processes", StringComparison.Ordinal))
            {
                continue;
            }

            var tokens = cell.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var fixedCount = withInstances ? 5 : 3;
            if (tokens.Length < fixedCount + 2)
            {
                notes.Warn($"unreadable process row: '{cell}'");
                continue;
            }

            var name = string.Join(' ', tokens[fixedCount..^1]);
            processes.Add(new GpuProcess(
                TextLines.Int(tokens[0]),
                withInstances ? tokens[1] : null,
                withInstances ? tokens[2] : null,
                TextLines.Long(tokens[withInstances ? 3 : 1]),
                tokens[withInstances ? 4 : 2],
                name,
                TextLines.MiB(tokens[^1])));
        }

        notes.Truncate("the process table is cut");
    }

    private static bool IsGpuFirstRow(string line)
    {
        var t = line.TrimStart();
        if (!t.StartsWith('|'))
        {
            return false;
        }

        var first = NvidiaSmiVersionLine.Cells(line)[0].TrimStart();
        var sp = first.IndexOf(' ', StringComparison.Ordinal);
        return sp > 0 && first[..sp].All(char.IsAsciiDigit) && first[sp..].Trim().Length > 0;
    }

    private static bool IsPrompt(string line)
    {
        var t = line.TrimStart();
        return t.StartsWith('$') || t.StartsWith('#') || t.Contains("# ", StringComparison.Ordinal) || t.Contains("$ ", StringComparison.Ordinal);
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    private sealed class GpuBuilder
    {
        public required int Index { get; init; }

        public required string Name { get; init; }

        public required bool NameCut { get; init; }

        public string? Persistence { get; init; }

        public string? BusId { get; init; }

        public string? DisplayActive { get; init; }

        public string? Ecc { get; init; }

        public string? Fan { get; set; }

        public string? Temp { get; set; }

        public string? Perf { get; set; }

        public string? PowerUsage { get; set; }

        public string? PowerCap { get; set; }

        public long? MemUsed { get; set; }

        public long? MemTotal { get; set; }

        public int? Util { get; set; }

        public string? ComputeMode { get; set; }

        public string? MigMode { get; set; }

        public static GpuBuilder FromFirstRow(string[] cells)
        {
            var first = cells[0].Trim();
            var sp = first.IndexOf(' ', StringComparison.Ordinal);
            var index = TextLines.Int(first[..sp]) ?? 0;
            var rest = first[sp..].Trim();
            string? persistence = null;
            var lastSp = rest.LastIndexOf(' ');
            if (lastSp > 0 && rest[(lastSp + 1)..] is "On" or "Off" or "N/A")
            {
                persistence = rest[(lastSp + 1)..];
                rest = rest[..lastSp].TrimEnd();
            }

            var (name, cut) = TextLines.StripEllipsis(rest);
            string? bus = null, disp = null, ecc = null;
            if (cells.Length > 1)
            {
                var t = cells[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                bus = t.Length > 0 ? t[0] : null;
                disp = t.Length > 1 ? t[^1] : null;
            }

            if (cells.Length > 2)
            {
                ecc = NullIfEmpty(cells[2].Trim());
            }

            return new GpuBuilder { Index = index, Name = name, NameCut = cut, Persistence = persistence, BusId = bus, DisplayActive = disp, Ecc = ecc };
        }

        public void ReadSecondRow(string[] cells)
        {
            var t = cells[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (t.Length >= 3)
            {
                Fan = t[0];
                Temp = t[1];
                Perf = t[2];
                var power = string.Join(' ', t[3..]);
                var slash = power.IndexOf(" / ", StringComparison.Ordinal);
                if (slash >= 0)
                {
                    PowerUsage = power[..slash].Trim();
                    PowerCap = power[(slash + 3)..].Trim();
                }
            }

            if (cells.Length > 1)
            {
                var mem = cells[1].Trim();
                var slash = mem.IndexOf(" / ", StringComparison.Ordinal);
                if (slash >= 0)
                {
                    MemUsed = TextLines.MiB(mem[..slash]);
                    MemTotal = TextLines.MiB(mem[(slash + 3)..]);
                }
            }

            if (cells.Length > 2)
            {
                var u = cells[2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                Util = u.Length > 0 ? TextLines.Percent(u[0]) : null;
                ComputeMode = u.Length > 1 ? u[^1] : null;
            }
        }

        public NvidiaSmiTableGpu Build() => new(
            Index, Name, NameCut, BusId, PciAddress.TryParse(BusId), Persistence, DisplayActive, Ecc, Fan, Temp, Perf, PowerUsage, PowerCap,
            MemUsed, MemTotal, Util, ComputeMode, MigMode);
    }
}
