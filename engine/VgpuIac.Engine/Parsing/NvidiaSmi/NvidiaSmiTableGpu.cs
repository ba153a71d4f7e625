using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// One GPU block of the default <c>nvidia-smi</c> table. <see cref="Name"/> is printed text without a trailing
/// <c>...</c>; <see cref="NameCut"/> says nvidia-smi cut it. Cells that read N/A are null in the typed fields and kept
/// as text in the string fields.
/// </summary>
internal sealed record NvidiaSmiTableGpu(
    int Index,
    string Name,
    bool NameCut,
    string? BusId,
    PciAddress? Address,
    string? Persistence,
    string? DisplayActive,
    string? VolatileUncorrectableEcc,
    string? Fan,
    string? Temperature,
    string? PerformanceState,
    string? PowerUsage,
    string? PowerCap,
    long? MemoryUsedMiB,
    long? MemoryTotalMiB,
    int? UtilizationPercent,
    string? ComputeMode,
    string? MigMode);
