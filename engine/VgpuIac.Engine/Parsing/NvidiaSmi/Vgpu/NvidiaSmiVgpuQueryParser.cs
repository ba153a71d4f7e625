using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.KeyValue;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>
/// Reads <c>nvidia-smi vgpu -q</c> (with or without MDEV UUID / Placement ID lines; the vGPU UUID is not the mdev
/// UUID). Cut output is reported as truncated: vGPU blocks without their <c>GPU</c> line (kept under a GPU with an
/// empty <see cref="VgpuQueryGpu.BusId"/>), fewer vGPU blocks than <c>Active vGPUs</c>, a last block that stops before
/// the sections every block ends with, a pager's mark. A shell prompt glued before the <c>GPU</c> line is skipped.
/// </summary>
internal static class NvidiaSmiVgpuQueryParser
{
    /// <summary>What nvidia-smi prints when no GPU runs in vGPU mode (also on unlocked consumer cards whose spoof lives only inside the daemons).</summary>
    public const string NoSupportedDevicesText = "No supported devices in vGPU mode";

    public static ParseResult<ImmutableArray<VgpuQueryGpu>> Parse(string? text)
    {
        var notes = new ParseNotes();
        var result = ImmutableArray.CreateBuilder<VgpuQueryGpu>();
        if (TextLines.Split(text).FirstOrDefault(TextLines.IsPagerMark) is { } mark)
        {
            notes.Truncate($"the output holds a pager's mark '{mark.Trim()}': it was copied from a pager and may be cut");
        }

        var nodes = IndentedTreeParser.Parse(text);
        var before = nodes.TakeWhile(n => GpuHeading(n.Key) is null).Where(n => n.Indent > 0).ToImmutableArray();
        if (!before.IsEmpty)
        {
            var orphans = before.Where(n => n.Key == "vGPU ID").ToImmutableArray();
            notes.Truncate($"indented lines{(orphans.IsEmpty ? string.Empty : $" and {orphans.Length} vGPU block(s)")} without their 'GPU' line: the top of the output was cut");
            if (!orphans.IsEmpty)
            {
                result.Add(new VgpuQueryGpu(string.Empty, null, null, [.. orphans.Select(Read)]));
            }
        }

        ActiveVgpu? last = null;
        IndentedNode? lastNode = null;
        foreach (var node in nodes)
        {
            if (node.Value is not null || GpuHeading(node.Key) is not { } busId || PciAddress.TryParse(busId) is not { } address)
            {
                continue;
            }

            if (node.Key.Length > busId.Length + 4)
            {
                notes.Warn($"text before 'GPU {busId}' on its line (a shell prompt?) was skipped");
            }

            var active = TextLines.Int(node.ValueAt("Active vGPUs"));
            var vgpus = ImmutableArray.CreateBuilder<ActiveVgpu>();
            foreach (var v in node.Children.Where(c => c.Key == "vGPU ID"))
            {
                lastNode = v;
                vgpus.Add(last = Read(v));
            }

            if (active is { } n && n > vgpus.Count)
            {
                notes.Truncate($"GPU {busId} reports {n} active vGPUs but {vgpus.Count} were printed; the output was cut");
            }

            result.Add(new VgpuQueryGpu(busId, address, active, vgpus.ToImmutable()));
        }

        if (lastNode is not null && last is not null && !notes.Truncated
            && (lastNode.Children.All(c => c.Key != "FB Memory Usage") || lastNode.Children.All(c => c.Key != "Utilization")))
        {
            notes.Truncate($"vGPU {last.VgpuId} stops before its 'FB Memory Usage'/'Utilization' sections: the output was cut");
        }

        if (result.Count == 0 && !(text ?? string.Empty).Contains(NoSupportedDevicesText, StringComparison.Ordinal))
        {
            notes.Warn("no GPU blocks in the output");
        }

        return notes.Result(result.ToImmutable());
    }

    /// <summary>The bus id of a <c>GPU 00000000:01:00.0</c> heading, also when a shell prompt is glued before it.</summary>
    private static string? GpuHeading(string key)
    {
        var at = key.StartsWith("GPU ", StringComparison.Ordinal) ? 0 : key.LastIndexOf(" GPU ", StringComparison.Ordinal) + 1;
        if (at == 0 && !key.StartsWith("GPU ", StringComparison.Ordinal))
        {
            return null;
        }

        if (at > 0 && !key[..at].TrimEnd().EndsWith('#') && !key[..at].TrimEnd().EndsWith('$'))
        {
            return null;
        }

        var bus = key[(at + 4)..].Trim();
        return PciAddress.TryParse(bus) is null ? null : bus;
    }

    private static ActiveVgpu Read(IndentedNode v)
    {
        var status = v.ValueAt("License Status");
        return new ActiveVgpu(
            v.Value ?? string.Empty,
            v.ValueAt("VM UUID"),
            v.ValueAt("VM Name"),
            v.ValueAt("vGPU Name"),
            TextLines.Int(v.ValueAt("vGPU Type")),
            v.ValueAt("vGPU UUID"),
            NullIfNa(v.ValueAt("MDEV UUID")),
            v.ValueAt("Guest Driver Version"),
            status is null ? null : LicenceStatus.Parse(status),
            v.ValueAt("Frame Rate Limit"),
            v.ValueAt("Placement ID"),
            v.ValueAt("PCI", "Bus Id"),
            TextLines.MiB(v.ValueAt("FB Memory Usage", "Total")),
            TextLines.MiB(v.ValueAt("FB Memory Usage", "Used")),
            TextLines.Percent(v.ValueAt("Utilization", "GPU") ?? v.ValueAt("Utilization", "Gpu")));
    }

    private static string? NullIfNa(string? s) => s is null or "N/A" ? null : s;
}
