namespace VgpuIac.Engine.Parsing.Mdev;

/// <summary>
/// The NVIDIA <c>description</c> of an mdev type, e.g.
/// <c>num_heads=4, frl_config=60, framebuffer=1024M, max_resolution=5120x2880, max_instance=24</c>.
/// Each field is null when absent or unreadable.
/// </summary>
internal sealed record MdevTypeDescription(
    int? NumHeads,
    int? FrlConfig,
    long? FramebufferMiB,
    int? MaxResolutionWidth,
    int? MaxResolutionHeight,
    int? MaxInstance)
{
    /// <summary>Reads an NVIDIA description; null when no known field is present (e.g. non-NVIDIA free text).</summary>
    public static MdevTypeDescription? TryParse(string? description)
    {
        if (string.IsNullOrWhiteSpace(description))
        {
            return null;
        }

        int? heads = null, frl = null, maxInstance = null, width = null, height = null;
        long? fb = null;
        var any = false;
        foreach (var part in description.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }

            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            switch (key)
            {
                case "num_heads":
                    heads = TextLines.Int(value);
                    any = true;
                    break;
                case "frl_config":
                    frl = TextLines.Int(value);
                    any = true;
                    break;
                case "framebuffer":
                    fb = TextLines.MiB(value);
                    any = true;
                    break;
                case "max_instance":
                    maxInstance = TextLines.Int(value);
                    any = true;
                    break;
                case "max_resolution":
                    var x = value.IndexOf('x', StringComparison.Ordinal);
                    if (x > 0)
                    {
                        width = TextLines.Int(value[..x]);
                        height = TextLines.Int(value[(x + 1)..]);
                    }

                    any = true;
                    break;
            }
        }

        return any ? new MdevTypeDescription(heads, frl, fb, width, height, maxInstance) : null;
    }
}
