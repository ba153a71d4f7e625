using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>
/// <c>nvidia-smi vgpu</c> output. <see cref="NoSupportedDevices"/> is true for "No supported devices in vGPU mode"
/// (also printed on unlocked consumer cards whose spoof lives only inside the daemons).
/// </summary>
public sealed record VgpuTable(
    string? Timestamp,
    string? SmiVersion,
    string? DriverVersion,
    bool NoSupportedDevices,
    ImmutableArray<VgpuTableGpu> Gpus);
