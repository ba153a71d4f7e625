namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>
/// One running vGPU from <c>nvidia-smi vgpu -q</c>. <see cref="MdevUuid"/> is null on drivers/setups that do not
/// print it (SR-IOV VFs, newer drivers); <see cref="LicenceStatus"/> is what the guest reported.
/// </summary>
internal sealed record ActiveVgpu(
    string VgpuId,
    string? VmUuid,
    string? VmName,
    string? VgpuName,
    int? VgpuTypeId,
    string? VgpuUuid,
    string? MdevUuid,
    string? GuestDriverVersion,
    LicenceStatus? LicenceStatus,
    string? FrameRateLimit,
    string? PlacementId,
    string? GuestBusId,
    long? FbTotalMiB,
    long? FbUsedMiB,
    int? GpuUtilizationPercent)
{
    /// <summary>The VM name without QEMU's <c>,debug-threads=on</c>-style suffix PVE adds.</summary>
    public string? VmDisplayName => VmName is null ? null : VmName.Split(',')[0];
}
