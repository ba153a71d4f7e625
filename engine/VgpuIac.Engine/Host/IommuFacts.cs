using System.Collections.Immutable;

namespace VgpuIac.Engine.Host;

/// <summary>IOMMU state: <c>/sys/class/iommu</c> non-empty is exactly PVE's own check (vgpu-domain.md §3.6).</summary>
internal sealed record IommuFacts
{
    /// <summary>Entries of <c>/sys/class/iommu</c> (e.g. <c>dmar0</c>, <c>ivhd0</c>).</summary>
    public ImmutableArray<string> Units { get; init; } = [];

    public int GroupCount { get; init; }

    /// <summary>dmesg lines mentioning DMAR / IOMMU / AMD-Vi (at most 20).</summary>
    public ImmutableArray<string> KernelMessages { get; init; } = [];

    /// <summary>CPU vendor from /proc/cpuinfo: <c>intel</c>, <c>amd</c> or null.</summary>
    public string? CpuVendor { get; init; }

    public bool Enabled => !Units.IsEmpty || GroupCount > 0;

    /// <summary>The kernel arguments to add to turn it on: <c>intel_iommu=on iommu=pt</c> on Intel, <c>iommu=pt</c> on AMD.</summary>
    public string RequiredKernelArguments => CpuVendor == "amd" ? "amd_iommu=on iommu=pt" : "intel_iommu=on iommu=pt";
}
