using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Pci;

/// <summary>
/// One device of <c>lspci -nn</c> / <c>-nnk</c>: address, class (<c>3D controller</c>, id <c>0302</c>), the
/// description (vendor and device names; unknown devices read <c>Device [10de:2235]</c>), vendor/device ids, revision,
/// the subsystem line and its ids, the bound driver and the candidate modules.
/// </summary>
internal sealed record LspciDevice(
    string AddressText,
    PciAddress? Address,
    string ClassName,
    string? ClassId,
    string Description,
    string? VendorId,
    string? DeviceId,
    string? Revision,
    string? Subsystem,
    string? SubsystemVendorId,
    string? SubsystemDeviceId,
    string? KernelDriverInUse,
    ImmutableArray<string> KernelModules)
{
    public bool IsNvidia => VendorId == "10de";
}
