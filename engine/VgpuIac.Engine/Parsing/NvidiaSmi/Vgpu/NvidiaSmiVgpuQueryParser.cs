using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.KeyValue;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>Reads <c>nvidia-smi vgpu -q</c> (with or without MDEV UUID / Placement ID lines).</summary>
public static class NvidiaSmiVgpuQueryParser
{
    public static ParseResult<ImmutableArray<VgpuQueryGpu>> Parse(string? text)
    {
        var notes = new ParseNotes();
        var result = ImmutableArray.CreateBuilder<VgpuQueryGpu>();
        foreach (var node in IndentedTreeParser.Parse(text))
        {
            if (node.Value is not null || !node.Key.StartsWith("GPU ", StringComparison.Ordinal) || PciAddress.TryParse(node.Key[4..]) is not { } address)
            {
                continue;
            }

            var active = TextLines.Int(node.ValueAt("Active vGPUs"));
            var vgpus = ImmutableArray.CreateBuilder<ActiveVgpu>();
            foreach (var v in node.Children.Where(c => c.Key == "vGPU ID"))
            {
                var status = v.ValueAt("License Status");
                vgpus.Add(new ActiveVgpu(
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
                    TextLines.Percent(v.ValueAt("Utilization", "GPU") ?? v.ValueAt("Utilization", "Gpu"))));
            }

            if (active is { } n && n > vgpus.Count)
            {
                notes.Truncate($"GPU {node.Key[4..]} reports {n} active vGPUs but {vgpus.Count} were printed; the output was cut");
            }

            result.Add(new VgpuQueryGpu(node.Key[4..].Trim(), address, active, vgpus.ToImmutable()));
        }

        if (result.Count == 0 && !(text ?? string.Empty).Contains(NvidiaSmiVgpuTableParser.NoSupportedDevicesText, StringComparison.Ordinal))
        {
            notes.Warn("no GPU blocks in the output");
        }

        return notes.Result(result.ToImmutable());
    }

    private static string? NullIfNa(string? s) => s is null or "N/A" ? null : s;
}
