namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>
/// An active vGPU row of <c>nvidia-smi vgpu</c>. The table cuts long cells with <c>...</c>: the *Cut flags say so and
/// the text is what was printed without the dots (use <c>nvidia-smi vgpu -q</c> for full values).
/// </summary>
public sealed record VgpuTableInstance(
    string VgpuId,
    string Name,
    bool NameCut,
    string? VmId,
    bool VmIdCut,
    string? VmName,
    bool VmNameCut,
    int? UtilizationPercent);
