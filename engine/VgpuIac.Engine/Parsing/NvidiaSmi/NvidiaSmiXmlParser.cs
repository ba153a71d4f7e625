using System.Collections.Immutable;
using System.Xml;
using System.Xml.Linq;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// Reads <c>nvidia-smi -q -x</c> (any DTD version, tab or space indentation; the DTD is never fetched). GPUs are read
/// one at a time, so XML that is cut keeps every complete <c>&lt;gpu&gt;</c> and is marked truncated.
/// </summary>
public static class NvidiaSmiXmlParser
{
    public static ParseResult<NvidiaSmiQueryReport> Parse(string? xml)
    {
        var notes = new ParseNotes();
        string? timestamp = null, driver = null, cuda = null;
        int? attached = null;
        var gpus = ImmutableArray.CreateBuilder<NvidiaSmiGpuDetails>();
        var text = xml ?? string.Empty;
        var dtd = DtdVersion(text);
        var start = text.IndexOf('<', StringComparison.Ordinal);
        if (start < 0)
        {
            notes.Warn("no XML in the output");
            return notes.Result(new NvidiaSmiQueryReport(null, null, null, null, null, dtd, gpus.ToImmutable()));
        }

        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Ignore,
            XmlResolver = null,
            IgnoreWhitespace = true,
            IgnoreComments = true,
        };
        var closed = false;
        try
        {
            using var reader = XmlReader.Create(new StringReader(text[start..]), settings);
            reader.MoveToContent();
            if (reader.LocalName != "nvidia_smi_log")
            {
                notes.Warn($"unexpected root element <{reader.LocalName}>");
            }

            reader.Read();
            while (!reader.EOF)
            {
                if (reader.NodeType == XmlNodeType.EndElement && reader.LocalName == "nvidia_smi_log")
                {
                    closed = true;
                    break;
                }

                if (reader.NodeType != XmlNodeType.Element)
                {
                    reader.Read();
                    continue;
                }

                var element = (XElement)XNode.ReadFrom(reader);
                switch (element.Name.LocalName)
                {
                    case "timestamp":
                        timestamp = element.Value.Trim();
                        break;
                    case "driver_version":
                        driver = element.Value.Trim();
                        break;
                    case "cuda_version":
                        cuda = element.Value.Trim();
                        break;
                    case "attached_gpus":
                        attached = TextLines.Int(element.Value);
                        break;
                    case "gpu":
                        gpus.Add(ReadGpu(element));
                        break;
                }
            }
        }
        catch (XmlException ex)
        {
            notes.Truncate($"the XML ends or breaks early (line {ex.LineNumber}): {ex.Message}");
        }

        if (!closed && !notes.Truncated)
        {
            notes.Truncate("the XML has no closing </nvidia_smi_log>");
        }

        if (attached is { } n && n > gpus.Count)
        {
            notes.Warn($"attached_gpus is {n} but {gpus.Count} <gpu> element(s) were read");
        }

        return notes.Result(new NvidiaSmiQueryReport(timestamp, driver, cuda, attached, null, dtd, gpus.ToImmutable()));
    }

    private static NvidiaSmiGpuDetails ReadGpu(XElement gpu)
    {
        var id = (string?)gpu.Attribute("id") ?? Value(gpu, "pci", "pci_bus_id") ?? string.Empty;
        var mode = Value(gpu, "gpu_virtualization_mode", "virtualization_mode");
        var status = Value(gpu, "vgpu_software_licensed_product", "license_status");
        var processes = ImmutableArray.CreateBuilder<GpuProcess>();
        foreach (var p in gpu.Element("processes")?.Elements("process_info") ?? [])
        {
            processes.Add(new GpuProcess(
                null,
                Value(p, "gpu_instance_id"),
                Value(p, "compute_instance_id"),
                TextLines.Long(Value(p, "pid")),
                Value(p, "type"),
                Value(p, "process_name") ?? string.Empty,
                TextLines.MiB(Value(p, "used_memory"))));
        }

        return new NvidiaSmiGpuDetails(
            id,
            PciAddress.TryParse(id),
            Value(gpu, "product_name"),
            Value(gpu, "product_brand"),
            Value(gpu, "product_architecture"),
            NvidiaSmiQueryParser.ParseVirtualizationMode(mode),
            mode,
            Value(gpu, "gpu_virtualization_mode", "host_vgpu_mode"),
            Value(gpu, "vgpu_software_licensed_product", "licensed_product_name"),
            status is null ? null : LicenceStatus.Parse(status),
            Value(gpu, "pci", "pci_device_id"),
            TextLines.MiB(Value(gpu, "fb_memory_usage", "total")),
            TextLines.MiB(Value(gpu, "fb_memory_usage", "used")),
            processes.ToImmutable());
    }

    private static string? Value(XElement e, params string[] path)
    {
        XElement? at = e;
        foreach (var name in path)
        {
            at = at?.Element(name);
        }

        return at?.Value.Trim();
    }

    /// <summary>"v9" for <c>nvsmi_device_v9.dtd</c>, read from the DOCTYPE text.</summary>
    private static string? DtdVersion(string text)
    {
        var at = text.IndexOf("nvsmi_device_", StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = text[(at + "nvsmi_device_".Length)..];
        var end = rest.IndexOf(".dtd", StringComparison.Ordinal);
        return end is > 0 and < 8 ? rest[..end] : null;
    }
}
