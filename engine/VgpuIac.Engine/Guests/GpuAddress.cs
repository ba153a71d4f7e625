using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// A GPU's PCI address as <c>gpu</c> and <c>hostpci0</c> write it: <c>0000:01:00.0</c> and <c>01:00.0</c> (domain 0) are
/// the same device. Equal addresses are never a change: no plan diff, no <c>qm set</c>.
/// </summary>
internal static class GpuAddress
{
    /// <summary>The canonical form (<c>0000:01:00.0</c>, lower-case hex); the text itself when it is not a PCI address.</summary>
    public static string Normalize(string address) => PciAddress.TryParse(address)?.ToString() ?? address.Trim().ToLowerInvariant();

    /// <summary>True when both name the same device (either may be null: equal only when both are).</summary>
    public static bool Same(string? a, string? b) =>
        a is null || b is null ? a is null && b is null : string.Equals(Normalize(a), Normalize(b), StringComparison.Ordinal);
}
