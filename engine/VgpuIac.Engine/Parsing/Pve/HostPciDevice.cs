using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>
/// A PVE <c>hostpciN</c> property string, e.g. <c>0000:01:00.0,mdev=nvidia-46,pcie=1</c> or
/// <c>mapping=gpu,mdev=nvidia-46</c>. <see cref="Host"/> is the raw <c>host</c> value (default key; may be a short
/// <c>01:00.0</c>, a function-less <c>01:00</c> or a <c>;</c>-separated list); <see cref="HostAddresses"/> the parsed
/// addresses. Flags are null when not written (PVE defaults: pcie 0, rombar 1, x-vga 0).
/// </summary>
public sealed record HostPciDevice(
    string? Host,
    ImmutableArray<PciAddress> HostAddresses,
    string? Mapping,
    string? Mdev,
    bool? Pcie,
    bool? Rombar,
    bool? XVga,
    string? RomFile,
    bool? LegacyIgd,
    string? VendorId,
    string? DeviceId,
    string? SubVendorId,
    string? SubDeviceId,
    string? Driver,
    ImmutableArray<KeyValuePair<string, string>> OtherOptions)
{
    /// <summary>True when the device is a mediated device / vGPU (<c>mdev=</c> set).</summary>
    public bool IsMediated => Mdev is not null;
}
