using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.KeyValue;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>Reads <c>nvidia-smi vgpu -s</c>, <c>-c</c> and their <c>-v</c> forms.</summary>
public static class NvidiaSmiVgpuTypesParser
{
    public static ParseResult<ImmutableArray<VgpuSupportedTypes>> Parse(string? text)
    {
        var notes = new ParseNotes();
        var result = ImmutableArray.CreateBuilder<VgpuSupportedTypes>();
        var any = false;
        foreach (var node in IndentedTreeParser.Parse(text))
        {
            if (node.Key.Contains(NvidiaSmiVgpuTableParser.NoSupportedDevicesText, StringComparison.Ordinal))
            {
                any = true;
                continue;
            }

            if (node.Value is not null || !node.Key.StartsWith("GPU ", StringComparison.Ordinal) || PciAddress.TryParse(node.Key[4..]) is not { } address)
            {
                continue;
            }

            any = true;
            var types = ImmutableArray.CreateBuilder<VgpuTypeInfo>();
            var children = node.Children;
            for (var i = 0; i < children.Length; i++)
            {
                var c = children[i];
                if (c.Key == "vGPU Type ID")
                {
                    // Verbose: fields are the children, or (flat layout) the following siblings.
                    var fields = c.Children;
                    if (fields.IsEmpty)
                    {
                        var j = i + 1;
                        while (j < children.Length && children[j].Key != "vGPU Type ID")
                        {
                            j++;
                        }

                        fields = children[(i + 1)..j];
                        i = j - 1;
                    }

                    types.Add(Verbose(c.Value, fields));
                }
                else if (c.Value is null)
                {
                    types.Add(new VgpuTypeInfo(c.Key, null, null, null, null, null, null, null, null, null, null, null));
                }
            }

            result.Add(new VgpuSupportedTypes(node.Key[4..].Trim(), address, types.ToImmutable()));
        }

        if (!any)
        {
            notes.Warn("no GPU blocks in the output");
        }

        return notes.Result(result.ToImmutable());
    }

    private static VgpuTypeInfo Verbose(string? id, ImmutableArray<IndentedNode> fields)
    {
        string? Get(string key) => fields.FirstOrDefault(f => f.Key == key)?.Value;
        var frl = Get("Frame Rate Limit");
        return new VgpuTypeInfo(
            Get("Name") ?? string.Empty,
            TextLines.Int(id),
            Get("Class"),
            TextLines.Int(Get("Max Instances")),
            TextLines.Int(Get("Max Instances Per VM")),
            Get("Device ID"),
            TextLines.MiB(Get("FB Memory")),
            TextLines.Int(Get("Display Heads")),
            TextLines.Int(Get("Maximum X Resolution")),
            TextLines.Int(Get("Maximum Y Resolution")),
            frl,
            Get("GRID License") ?? Get("License"));
    }
}
