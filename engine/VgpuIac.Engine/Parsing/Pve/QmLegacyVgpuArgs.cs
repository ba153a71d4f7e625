using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>
/// What a hand-written <c>args:</c> line does for vGPU (pre-PVE-7 style):
/// <c>-device 'vfio-pci,sysfsdev=/sys/bus/mdev/devices/&lt;uuid&gt;'</c> and/or <c>-uuid &lt;uuid&gt;</c>.
/// </summary>
public sealed record QmLegacyVgpuArgs(ImmutableArray<string> SysfsDevices, string? Uuid)
{
    /// <summary>True when the line passes an mdev to QEMU itself.</summary>
    public bool HasVfioMdevDevice => !SysfsDevices.IsDefaultOrEmpty;
}
