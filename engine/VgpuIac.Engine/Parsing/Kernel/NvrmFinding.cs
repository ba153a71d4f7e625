namespace VgpuIac.Engine.Parsing.Kernel;

/// <summary>
/// A driver problem found in the kernel log. <see cref="Kind"/>: <c>GpuNotSupportedByDriver</c> ("The NVIDIA GPU
/// ... is not supported by the NVIDIA x driver release" — wrong branch: datacenter instead of GRID guest driver, or a
/// GPU dropped by the branch), <c>ProbeFailed</c>, <c>NoDevicesInitialized</c>, <c>ModuleVerificationFailed</c>
/// (Secure Boot), <c>VgpuStartFailed</c> (nvidia-vgpu-vfio "start failed"), <c>Xid</c>.
/// </summary>
internal sealed record NvrmFinding(string Kind, string? PciAddress, string? PciId, string? DriverVersion, string Message);
