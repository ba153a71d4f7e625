namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>
/// A vGPU type from <c>nvidia-smi vgpu -s</c> / <c>-c</c> (name only) or <c>-s -v</c> (all fields; the type id is
/// printed in hex, e.g. <c>0x252</c> = 594 = mdev type <c>nvidia-594</c>).
/// </summary>
public sealed record VgpuTypeInfo(
    string Name,
    int? TypeId,
    string? Class,
    int? MaxInstances,
    int? MaxInstancesPerVm,
    string? DeviceId,
    long? FbMemoryMiB,
    int? DisplayHeads,
    int? MaxResolutionX,
    int? MaxResolutionY,
    string? FrameRateLimit,
    string? License)
{
    /// <summary>The mdev type directory name (<c>nvidia-&lt;decimal id&gt;</c>), when the id is known.</summary>
    public string? MdevTypeId => TypeId is { } id ? "nvidia-" + id.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
}
