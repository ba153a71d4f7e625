namespace VgpuIac.Engine.Host;

/// <summary>A vGPU type a GPU offers (<c>mdevctl types</c> or, on SR-IOV cards, a VF's <c>creatable_vgpu_types</c>).</summary>
/// <param name="Id">Type id as PVE's <c>mdev=</c> wants it, e.g. <c>nvidia-46</c>.</param>
/// <param name="Name">E.g. <c>GRID P40-1Q</c>.</param>
/// <param name="Description">The driver's description line (may be empty).</param>
/// <param name="AvailableInstances">How many more can be created now (0 once another type is in use on a time-sliced GPU).</param>
/// <param name="MaxInstances">From <c>max_instance=</c> in the description; null when absent.</param>
/// <param name="FramebufferMib">From <c>framebuffer=1024M</c> in the description; null when absent.</param>
/// <param name="DeviceApi">The mdev device API, <c>vfio-pci</c> for NVIDIA vGPUs.</param>
internal sealed record VgpuType(
    string Id,
    string Name,
    string Description,
    long AvailableInstances,
    long? MaxInstances,
    long? FramebufferMib,
    string DeviceApi = "vfio-pci");
