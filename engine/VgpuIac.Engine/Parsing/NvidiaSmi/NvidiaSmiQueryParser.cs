using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.KeyValue;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>Reads <c>nvidia-smi -q</c> text (host or guest, full or <c>-d</c>-filtered) via <see cref="IndentedTreeParser"/>.</summary>
public static class NvidiaSmiQueryParser
{
    public static ParseResult<NvidiaSmiQueryReport> Parse(string? text)
    {
        var notes = new ParseNotes();
        var tree = IndentedTreeParser.Parse(text);
        string? timestamp = null, driver = null, cuda = null, hetero = null;
        int? attached = null;
        var gpus = ImmutableArray.CreateBuilder<NvidiaSmiGpuDetails>();
        foreach (var node in tree)
        {
            switch (node.Key)
            {
                case "Timestamp":
                    timestamp = node.Value;
                    break;
                case "Driver Version":
                    driver = node.Value;
                    break;
                case "CUDA Version":
                    cuda = node.Value;
                    break;
                case "Attached GPUs":
                    attached = TextLines.Int(node.Value);
                    break;
                case "vGPU Driver Capability":
                    hetero = node.ValueAt("Heterogenous Multi-vGPU") ?? node.ValueAt("Heterogeneous Multi-vGPU");
                    break;
                default:
                    if (node.Value is null && node.Key.StartsWith("GPU ", StringComparison.Ordinal) && PciAddress.TryParse(node.Key[4..]) is { } address)
                    {
                        gpus.Add(ReadGpu(node.Key[4..].Trim(), address, node));
                    }

                    break;
            }
        }

        if (driver is null && gpus.Count == 0)
        {
            notes.Warn("no nvidia-smi -q report found");
        }
        else if (attached is { } n && n > gpus.Count)
        {
            notes.Warn($"Attached GPUs is {n} but {gpus.Count} GPU section(s) were printed (-i filter, or the output was cut)");
        }

        return notes.Result(new NvidiaSmiQueryReport(timestamp, driver, cuda, attached, hetero, null, gpus.ToImmutable()));
    }

    private static NvidiaSmiGpuDetails ReadGpu(string busId, PciAddress address, IndentedNode gpu)
    {
        var licensed = gpu.Child("vGPU Software Licensed Product") ?? gpu.Child("GRID Licensed Product");
        var modeText = gpu.ValueAt("GPU Virtualization Mode", "Virtualization Mode");
        var status = licensed?.ValueAt("License Status");
        return new NvidiaSmiGpuDetails(
            busId,
            address,
            gpu.ValueAt("Product Name"),
            gpu.ValueAt("Product Brand"),
            gpu.ValueAt("Product Architecture"),
            ParseVirtualizationMode(modeText),
            modeText,
            gpu.ValueAt("GPU Virtualization Mode", "Host VGPU Mode"),
            licensed?.ValueAt("Product Name"),
            status is null ? null : LicenceStatus.Parse(status),
            gpu.ValueAt("PCI", "Device Id"),
            TextLines.MiB(gpu.ValueAt("FB Memory Usage", "Total")),
            TextLines.MiB(gpu.ValueAt("FB Memory Usage", "Used")),
            []);
    }

    public static VirtualizationMode ParseVirtualizationMode(string? text) => text?.Trim() switch
    {
        null or "" => VirtualizationMode.Unknown,
        "None" => VirtualizationMode.None,
        "Pass-Through" => VirtualizationMode.PassThrough,
        "VGPU" => VirtualizationMode.Vgpu,
        "Host VGPU" => VirtualizationMode.HostVgpu,
        "Host VSGA" => VirtualizationMode.HostVsga,
        _ => VirtualizationMode.Unknown,
    };
}
