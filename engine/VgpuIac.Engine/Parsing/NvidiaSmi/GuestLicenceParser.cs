using VgpuIac.Engine.Parsing.KeyValue;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// Reads a guest's licence facts from <c>nvidia-smi -q</c> (full, head, or the licence section alone),
/// <c>nvidia-smi -q | grep License</c> lines, or the default <c>nvidia-smi</c> table (driver and profile only).
/// Truncated when the licence section stops before its License Status line, or the table is cut.
/// </summary>
internal static class GuestLicenceParser
{
    public static ParseResult<GuestLicence> Parse(string? text)
    {
        var notes = new ParseNotes();
        string? driver = null, profile = null, product = null, status = null, feature = null;
        var lines = TextLines.Split(text);
        if (lines.Any(NvidiaSmiVersionLine.IsVersionLine))
        {
            var table = NvidiaSmiTableParser.Parse(text);
            if (table.Truncated)
            {
                notes.Truncate("the nvidia-smi table is cut: " + string.Join("; ", table.Warnings));
            }

            driver = table.Value.DriverVersion;
            profile = table.Value.Gpus.FirstOrDefault()?.Name;
            if (table.Value.Gpus.FirstOrDefault()?.NameCut == true)
            {
                notes.Warn("the GPU name is cut in the table; use nvidia-smi -q for the full profile name");
            }
        }
        else
        {
            foreach (var node in IndentedTreeParser.Parse(text).SelectMany(n => new[] { n }.Concat(n.Descendants())))
            {
                switch (node.Key)
                {
                    case "Driver Version":
                        driver ??= node.Value;
                        break;
                    case "vGPU Software Licensed Product" or "GRID Licensed Product":
                        product ??= node.ValueAt("Product Name");
                        status ??= node.ValueAt("License Status");
                        feature ??= node.ValueAt("Feature") ?? node.ValueAt("Licensed Feature");
                        if (node.ValueAt("License Status") is null)
                        {
                            // nvidia-smi always prints License Status in this section: the output stops before it
                            notes.Truncate($"the '{node.Key}' section has no License Status line: the output was cut");
                        }

                        break;
                    case "License Status":
                        status ??= node.Value;
                        break;
                    case "Feature" or "Licensed Feature":
                        feature ??= node.Value;
                        break;
                    default:
                        if (node.Value is null && node.Key.StartsWith("GPU ", StringComparison.Ordinal))
                        {
                            profile ??= node.ValueAt("Product Name");
                        }

                        break;
                }
            }
        }

        if (driver is null && profile is null && product is null && status is null)
        {
            notes.Warn("no licence or driver facts found");
        }

        return notes.Result(new GuestLicence(driver, profile, product, status is null ? null : LicenceStatus.Parse(status), feature));
    }
}
