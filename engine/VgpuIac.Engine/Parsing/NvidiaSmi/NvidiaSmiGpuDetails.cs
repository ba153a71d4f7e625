using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// One GPU of <c>nvidia-smi -q</c> or <c>-q -x</c>: identity, virtualization mode, licence (guests), memory.
/// <see cref="HostVgpuMode"/> is "Non SR-IOV" / "SR-IOV" / "N/A" (null in old DTDs).
/// </summary>
public sealed record NvidiaSmiGpuDetails(
    string BusId,
    PciAddress? Address,
    string? ProductName,
    string? ProductBrand,
    string? ProductArchitecture,
    VirtualizationMode VirtualizationMode,
    string? VirtualizationModeText,
    string? HostVgpuMode,
    string? LicensedProductName,
    LicenceStatus? LicenceStatus,
    string? PciDeviceId,
    long? FbTotalMiB,
    long? FbUsedMiB,
    ImmutableArray<GpuProcess> Processes);
