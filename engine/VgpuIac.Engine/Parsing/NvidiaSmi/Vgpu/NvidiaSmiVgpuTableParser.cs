using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>
/// Reads the <c>nvidia-smi vgpu</c> table. On several GPUs nvidia-smi closes every GPU's block with a <c>+---+</c>
/// border, so a border only ends the table when no row follows it. A table pasted without its header (rows only) is
/// read and reported as truncated.
/// </summary>
public static class NvidiaSmiVgpuTableParser
{
    public const string NoSupportedDevicesText = "No supported devices in vGPU mode";

    public static ParseResult<VgpuTable> Parse(string? text)
    {
        var notes = new ParseNotes();
        string? timestamp = null, smi = null, driver = null;
        var noSupported = false;
        var gpus = new List<(int Index, string Name, bool Cut, string? Bus, int? Util, ImmutableArray<VgpuTableInstance>.Builder Vgpus)>();
        var inTable = false;
        var closed = false;
        var sawTable = false;
        foreach (var raw in TextLines.Split(text))
        {
            var line = raw.TrimEnd();
            var t = line.Trim();
            if (t.Contains(NoSupportedDevicesText, StringComparison.Ordinal))
            {
                noSupported = true;
                continue;
            }

            if (NvidiaSmiVersionLine.IsVersionLine(t))
            {
                (smi, driver, _) = NvidiaSmiVersionLine.Read(t);
                sawTable = true;
                continue;
            }

            if (NvidiaSmiVersionLine.IsTimestamp(t))
            {
                timestamp = t;
                continue;
            }

            if (t.StartsWith("|=", StringComparison.Ordinal))
            {
                inTable = true;
                continue;
            }

            if (!inTable)
            {
                if (!sawTable && t.StartsWith('|') && IsGpuRow(t))
                {
                    // rows without the header and column titles above them: the top of the output was cut
                    notes.Truncate("the vGPU table has no header: the top of the output was cut");
                    inTable = true;
                    sawTable = true;
                }
                else
                {
                    continue;
                }
            }

            if (t.StartsWith('+'))
            {
                // a border after each GPU's block; the table goes on if another row follows
                closed = true;
                continue;
            }

            if (!t.StartsWith('|'))
            {
                if (closed)
                {
                    continue; // text after the table (a prompt, the next command's output)
                }

                notes.Warn($"unexpected line in the vGPU table: '{t}'");
                continue;
            }

            var cells = NvidiaSmiVersionLine.Cells(t);
            closed = false;
            if (cells.Length < 3)
            {
                continue;
            }

            var first = cells[0].Trim();
            var sp = first.IndexOf(' ', StringComparison.Ordinal);
            var second = cells[1].Trim();
            var util = TextLines.Percent(cells[2].Trim());
            if (sp < 0)
            {
                continue;
            }

            if (PciAddress.TryParse(second) is not null)
            {
                var (name, cut) = TextLines.StripEllipsis(first[sp..].Trim());
                gpus.Add((TextLines.Int(first[..sp]) ?? gpus.Count, name, cut, second, util, ImmutableArray.CreateBuilder<VgpuTableInstance>()));
            }
            else if (gpus.Count > 0)
            {
                var (vname, vcut) = TextLines.StripEllipsis(first[sp..].Trim());
                var vmSp = second.IndexOf(' ', StringComparison.Ordinal);
                var vmIdText = vmSp < 0 ? second : second[..vmSp];
                var vmNameText = vmSp < 0 ? string.Empty : second[vmSp..].Trim();
                var (vmId, vmIdCut) = TextLines.StripEllipsis(vmIdText);
                var (vmName, vmNameCut) = TextLines.StripEllipsis(vmNameText);
                gpus[^1].Vgpus.Add(new VgpuTableInstance(first[..sp], vname, vcut, vmId.Length == 0 ? null : vmId, vmIdCut, vmName.Length == 0 ? null : vmName, vmNameCut, util));
            }
        }

        if (sawTable && !closed)
        {
            notes.Truncate("the vGPU table is cut");
        }
        else if (!sawTable && !noSupported)
        {
            notes.Warn("no vGPU table in the output");
        }

        return notes.Result(new VgpuTable(
            timestamp,
            smi,
            driver,
            noSupported,
            [.. gpus.Select(g => new VgpuTableGpu(g.Index, g.Name, g.Cut, g.Bus, PciAddress.TryParse(g.Bus), g.Util, g.Vgpus.ToImmutable()))]));
    }

    private static bool IsGpuRow(string t)
    {
        var cells = NvidiaSmiVersionLine.Cells(t);
        return cells.Length >= 3 && PciAddress.TryParse(cells[1].Trim()) is not null;
    }
}
