using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>A physical GPU row of <c>nvidia-smi vgpu</c> with the active vGPUs listed under it.</summary>
public sealed record VgpuTableGpu(
    int Index,
    string Name,
    bool NameCut,
    string? BusId,
    PciAddress? Address,
    int? UtilizationPercent,
    ImmutableArray<VgpuTableInstance> Vgpus);
