using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace VgpuIac.Engine.Host;

/// <summary>
/// The GPU table: NVIDIA (vendor 10de) PCI device ids, their architecture and vGPU path (vgpu-domain.md §0, §2.3;
/// PolloLoco guide and vgpu_unlock's supported list). The one place this knowledge lives; add rows here.
/// Devices missing from the table are classified from the chip code name lspci prints (GP104GL, TU102, GA102...).
/// </summary>
internal static partial class GpuCatalog
{
    private const VgpuPath N = VgpuPath.Native;
    private const VgpuPath U = VgpuPath.Unlockable;
    private const VgpuPath S = VgpuPath.Sriov;
    private const VgpuPath X = VgpuPath.Unsupported;

    /// <summary>Every known model, in table order.</summary>
    public static IReadOnlyList<GpuModel> Models { get; } =
    [
        // Maxwell 2.0 (GM20x). vgpu_unlock: all but the GTX 970.
        new("13bd", "Tesla M10", "maxwell", N),
        new("13f2", "Tesla M60", "maxwell", N),
        new("13f3", "Tesla M6", "maxwell", N),
        new("17fd", "Tesla M40", "maxwell", U),
        new("13c0", "GeForce GTX 980", "maxwell", U),
        new("13c2", "GeForce GTX 970", "maxwell", X),
        new("17c8", "GeForce GTX 980 Ti", "maxwell", U),
        new("17c2", "GeForce GTX TITAN X", "maxwell", U),
        new("1401", "GeForce GTX 960", "maxwell", U),
        new("1402", "GeForce GTX 950", "maxwell", U),
        new("13f0", "Quadro M5000", "maxwell", U),
        new("13f1", "Quadro M4000", "maxwell", U),
        new("17f0", "Quadro M6000", "maxwell", U),
        new("17f1", "Quadro M6000 24GB", "maxwell", U),
        new("1430", "Quadro M2000", "maxwell", U),

        // Pascal (GP10x).
        new("1b38", "Tesla P40", "pascal", N),
        new("1bb3", "Tesla P4", "pascal", N),
        new("1bb4", "Tesla P6", "pascal", N),
        new("15f7", "Tesla P100 PCIe 12GB", "pascal", N),
        new("15f8", "Tesla P100 PCIe 16GB", "pascal", N),
        new("15f9", "Tesla P100 SXM2 16GB", "pascal", N),
        new("1b00", "TITAN X (Pascal)", "pascal", U),
        new("1b02", "TITAN Xp", "pascal", U),
        new("1b06", "GeForce GTX 1080 Ti", "pascal", U),
        new("1b80", "GeForce GTX 1080", "pascal", U),
        new("1b81", "GeForce GTX 1070", "pascal", U),
        new("1b82", "GeForce GTX 1070 Ti", "pascal", U),
        new("1b83", "GeForce GTX 1060 6GB", "pascal", U),
        new("1c02", "GeForce GTX 1060 3GB", "pascal", U),
        new("1c03", "GeForce GTX 1060 6GB", "pascal", U),
        new("1c04", "GeForce GTX 1060 5GB", "pascal", U),
        new("1c06", "GeForce GTX 1060 6GB Rev. 2", "pascal", U),
        new("1c81", "GeForce GTX 1050", "pascal", U),
        new("1c82", "GeForce GTX 1050 Ti", "pascal", U),
        new("1b30", "Quadro P6000", "pascal", U),
        new("1bb0", "Quadro P5000", "pascal", U),
        new("1bb1", "Quadro P4000", "pascal", U),
        new("1c30", "Quadro P2000", "pascal", U),
        new("1c31", "Quadro P2200", "pascal", U),
        new("1cb1", "Quadro P1000", "pascal", U),
        new("1cb2", "Quadro P600", "pascal", U),
        new("1cb3", "Quadro P400", "pascal", U),

        // Volta (GV100): native datacenter only.
        new("1db1", "Tesla V100 SXM2 16GB", "volta", N),
        new("1db4", "Tesla V100 PCIe 16GB", "volta", N),
        new("1db5", "Tesla V100 SXM2 32GB", "volta", N),
        new("1db6", "Tesla V100 PCIe 32GB", "volta", N),
        new("1df6", "Tesla V100S PCIe 32GB", "volta", N),

        // Turing (TU10x).
        new("1eb8", "Tesla T4", "turing", N),
        new("1e30", "Quadro RTX 6000/8000", "turing", N),
        new("1e78", "Quadro RTX 6000/8000 (passive)", "turing", N),
        new("1eb0", "Quadro RTX 5000", "turing", U),
        new("1eb1", "Quadro RTX 4000", "turing", U),
        new("1e02", "TITAN RTX", "turing", U),
        new("1e04", "GeForce RTX 2080 Ti", "turing", U),
        new("1e07", "GeForce RTX 2080 Ti Rev. A", "turing", U),
        new("1e81", "GeForce RTX 2080 SUPER", "turing", U),
        new("1e82", "GeForce RTX 2080", "turing", U),
        new("1e87", "GeForce RTX 2080 Rev. A", "turing", U),
        new("1e84", "GeForce RTX 2070 SUPER", "turing", U),
        new("1f02", "GeForce RTX 2070", "turing", U),
        new("1f07", "GeForce RTX 2070 Rev. A", "turing", U),
        new("1f06", "GeForce RTX 2060 SUPER", "turing", U),
        new("1f08", "GeForce RTX 2060", "turing", U),
        new("2182", "GeForce GTX 1660 Ti", "turing", U),
        new("2184", "GeForce GTX 1660", "turing", U),
        new("21c4", "GeForce GTX 1660 SUPER", "turing", U),
        new("2187", "GeForce GTX 1650 SUPER", "turing", U),
        new("1f82", "GeForce GTX 1650", "turing", U),

        // Ampere datacenter and professional: SR-IOV.
        new("20b0", "A100 SXM4 40GB", "ampere", S),
        new("20b2", "A100 SXM4 80GB", "ampere", S),
        new("20b5", "A100 PCIe 80GB", "ampere", S),
        new("20f1", "A100 PCIe 40GB", "ampere", S),
        new("20b7", "A30", "ampere", S),
        new("2235", "A40", "ampere", S),
        new("2236", "A10", "ampere", S),
        new("2237", "A10G", "ampere", S),
        new("25b6", "A2 / A16", "ampere", S),
        new("2230", "RTX A6000", "ampere", S),
        new("2231", "RTX A5000", "ampere", S),
        new("2233", "RTX A5500", "ampere", S),
        new("24b0", "RTX A4000", "ampere", X),

        // Ada, Hopper: SR-IOV.
        new("27b8", "L4", "ada", S),
        new("26b5", "L40", "ada", S),
        new("26b9", "L40S", "ada", S),
        new("26b1", "RTX 6000 Ada Generation", "ada", S),
        new("26b2", "RTX 5000 Ada Generation", "ada", S),
        new("2330", "H100 SXM5 80GB", "hopper", S),
        new("2331", "H100 PCIe", "hopper", S),
        new("2321", "H100 NVL", "hopper", S),

        // Ampere and newer GeForce: no vGPU at all.
        new("2203", "GeForce RTX 3090 Ti", "ampere", X),
        new("2204", "GeForce RTX 3090", "ampere", X),
        new("2206", "GeForce RTX 3080", "ampere", X),
        new("2208", "GeForce RTX 3080 Ti", "ampere", X),
        new("2216", "GeForce RTX 3080 LHR", "ampere", X),
        new("2482", "GeForce RTX 3070 Ti", "ampere", X),
        new("2484", "GeForce RTX 3070", "ampere", X),
        new("2488", "GeForce RTX 3070 LHR", "ampere", X),
        new("2486", "GeForce RTX 3060 Ti", "ampere", X),
        new("2489", "GeForce RTX 3060 Ti LHR", "ampere", X),
        new("2487", "GeForce RTX 3060", "ampere", X),
        new("2503", "GeForce RTX 3060", "ampere", X),
        new("2504", "GeForce RTX 3060 LHR", "ampere", X),
        new("2507", "GeForce RTX 3050", "ampere", X),
        new("2684", "GeForce RTX 4090", "ada", X),
        new("2702", "GeForce RTX 4080 SUPER", "ada", X),
        new("2704", "GeForce RTX 4080", "ada", X),
        new("2782", "GeForce RTX 4070 Ti", "ada", X),
        new("2786", "GeForce RTX 4070", "ada", X),
        new("2803", "GeForce RTX 4060 Ti", "ada", X),
        new("2805", "GeForce RTX 4060 Ti 16GB", "ada", X),
        new("2882", "GeForce RTX 4060", "ada", X),
        new("2b85", "GeForce RTX 5090", "blackwell", X),
        new("2c02", "GeForce RTX 5080", "blackwell", X),
    ];

    private static readonly FrozenDictionary<string, GpuModel> ById =
        Models.ToFrozenDictionary(m => m.DeviceId, StringComparer.OrdinalIgnoreCase);

    /// <summary>The table row for a device id (<c>1b38</c>, <c>0x1b38</c>), or null.</summary>
    public static GpuModel? Find(string deviceId)
    {
        ArgumentNullException.ThrowIfNull(deviceId);
        var id = deviceId.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? deviceId[2..] : deviceId;
        return ById.GetValueOrDefault(id.ToLowerInvariant());
    }

    /// <summary>
    /// Classifies a device: the table row when known, otherwise a model built from what lspci says
    /// (chip code name → architecture; GeForce on Ampere or newer → unsupported; otherwise unknown path).
    /// </summary>
    public static GpuModel Classify(string deviceId, string? lspciDescription)
    {
        var known = Find(deviceId);
        if (known is not null)
        {
            return known;
        }

        var id = (deviceId.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? deviceId[2..] : deviceId).ToLowerInvariant();
        var description = lspciDescription ?? string.Empty;
        var architecture = ArchitectureFromChip(description);
        var name = NameFromDescription(description) ?? $"NVIDIA device {id}";
        var modern = architecture is "ampere" or "ada" or "hopper" or "blackwell";
        var path = modern && name.Contains("GeForce", StringComparison.OrdinalIgnoreCase) ? VgpuPath.Unsupported : VgpuPath.Unknown;
        return new GpuModel(id, name, architecture, path);
    }

    /// <summary>Architecture from a chip code name in lspci text, e.g. <c>GP104GL</c> → pascal; <c>unknown</c> when absent.</summary>
    public static string ArchitectureFromChip(string lspciDescription)
    {
        var m = ChipPattern().Match(lspciDescription ?? string.Empty);
        if (!m.Success)
        {
            return "unknown";
        }

        return m.Groups["family"].Value.ToUpperInvariant() switch
        {
            "GM" => "maxwell",
            "GP" => "pascal",
            "GV" => "volta",
            "TU" => "turing",
            "GA" => "ampere",
            "AD" => "ada",
            "GH" => "hopper",
            "GB" => "blackwell",
            _ => "unknown",
        };
    }

    /// <summary>The bracketed marketing name lspci prints after the chip, e.g. <c>Tesla P40</c> from "GP102GL [Tesla P40]".</summary>
    public static string? NameFromDescription(string lspciDescription)
    {
        var m = NamePattern().Match(lspciDescription ?? string.Empty);
        return m.Success ? m.Groups["name"].Value.Trim() : null;
    }

    [GeneratedRegex(@"\b(?<family>GM|GP|GV|TU|GA|AD|GH|GB)\d{3}[A-Z]*\b")]
    private static partial Regex ChipPattern();

    [GeneratedRegex(@"\b(?:GM|GP|GV|TU|GA|AD|GH|GB)\d{3}[A-Z]*\s+\[(?<name>[^\]]+)\]")]
    private static partial Regex NamePattern();
}
