namespace VgpuIac.Engine.Parsing.NvidiaSmi;

/// <summary>
/// A process row of nvidia-smi (table or XML). On a vGPU host each running vGPU shows as a process named
/// <c>vgpu</c> (KVM) or as the VM name (ESXi).
/// </summary>
internal sealed record GpuProcess(int? GpuIndex, string? GpuInstanceId, string? ComputeInstanceId, long? Pid, string? Type, string Name, long? UsedMemoryMiB);
