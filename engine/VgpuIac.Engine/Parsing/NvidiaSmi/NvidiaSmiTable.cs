using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// The default <c>nvidia-smi</c> output. <see cref="SmiVersion"/> (the tool) can differ from
/// <see cref="DriverVersion"/> (the kernel module). <see cref="ErrorMessage"/> holds a failure line the tool printed
/// instead of, or in the middle of, the table ("Segmentation fault", "Unable to determine the device handle ...",
/// "NVIDIA-SMI has failed ...").
/// </summary>
internal sealed record NvidiaSmiTable(
    string? Timestamp,
    string? SmiVersion,
    string? DriverVersion,
    string? CudaVersion,
    ImmutableArray<NvidiaSmiTableGpu> Gpus,
    ImmutableArray<GpuProcess> Processes,
    string? ErrorMessage);
