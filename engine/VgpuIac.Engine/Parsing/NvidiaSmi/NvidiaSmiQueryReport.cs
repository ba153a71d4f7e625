using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// <c>nvidia-smi -q</c> (text) or <c>-q -x</c> (XML). <see cref="AttachedGpuCount"/> can exceed
/// <see cref="Gpus"/>.Length when <c>-i</c> selected one GPU. <see cref="HeterogeneousMultiVgpu"/> is the host-only
/// "vGPU Driver Capability" value (580+). <see cref="DtdVersion"/> only for XML.
/// </summary>
public sealed record NvidiaSmiQueryReport(
    string? Timestamp,
    string? DriverVersion,
    string? CudaVersion,
    int? AttachedGpuCount,
    string? HeterogeneousMultiVgpu,
    string? DtdVersion,
    ImmutableArray<NvidiaSmiGpuDetails> Gpus);
