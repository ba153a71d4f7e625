namespace VgpuIac.Engine.Guests;

/// <summary>
/// <c>net0</c> of a VM: <c>MODEL=MAC,bridge=BR[,firewall=1,...]</c> as PVE stores it (PVE generates the MAC when the
/// input has only the model). A value sent to PVE always carries the MAC the NIC has, so PVE never generates a new one.
/// </summary>
internal static class GuestNic
{
    /// <summary>NIC models PVE accepts as the key of the MAC address.</summary>
    public static readonly IReadOnlyList<string> Models = ["virtio", "e1000", "e1000e", "rtl8139", "vmxnet3", "i82551", "i82557b", "i82559er", "ne2k_isa", "ne2k_pci", "pcnet"];

    public const string DefaultModel = "virtio";

    /// <summary>The MAC address of a net0 value; null when it has none (or there is no net0).</summary>
    public static string? Mac(string? net0) =>
        PveProperty.Parse(net0).Parts.Where(p => Models.Contains(p.Key)).Select(p => p.Value).FirstOrDefault(v => v.Length > 0);

    public static string? Bridge(string? net0) => PveProperty.Parse(net0).Get("bridge");

    public static bool SameMac(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// The net0 value to send for <paramref name="bridge"/> and <paramref name="mac"/> (null: keep the NIC's own, or let PVE
    /// generate one when there is no NIC yet), keeping the model and every other option of <paramref name="current"/>.
    /// </summary>
    public static string Desired(string? current, string bridge, string? mac)
    {
        var p = PveProperty.Parse(current);
        var model = p.Parts.Select(x => x.Key.Length == 0 ? x.Value : x.Key).FirstOrDefault(Models.Contains) ?? DefaultModel;
        var keep = mac ?? Mac(current);
        var rest = p.Parts.Where(x => !Models.Contains(x.Key) && !(x.Key.Length == 0 && Models.Contains(x.Value))).ToList();
        var head = keep is null ? model : $"{model}={keep}";
        var result = new PveProperty([KeyValuePair.Create(string.Empty, head), .. rest]).With("bridge", bridge);
        return result.ToString();
    }
}
