namespace VgpuIac.Engine.Host;

/// <summary>One row of the GPU table: a PCI device id of vendor 10de and what it means for vGPU.</summary>
/// <param name="DeviceId">Lower-case 4-digit hex PCI device id, e.g. <c>1b38</c>.</param>
/// <param name="Name">Marketing name, e.g. <c>Tesla P40</c>.</param>
/// <param name="Architecture">Lower-case architecture: maxwell, pascal, volta, turing, ampere, ada, hopper, blackwell.</param>
/// <param name="Path">How vGPU works on it.</param>
internal sealed record GpuModel(string DeviceId, string Name, string Architecture, VgpuPath Path);
