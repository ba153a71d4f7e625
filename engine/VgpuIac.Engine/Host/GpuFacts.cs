using System.Collections.Immutable;

namespace VgpuIac.Engine.Host;

/// <summary>One NVIDIA display/3D controller (PCI class 03xx) on the node, a physical function unless <see cref="PhysicalFunction"/> is set.</summary>
internal sealed record GpuFacts
{
    /// <summary>Full PCI address, e.g. <c>0000:01:00.0</c>.</summary>
    public required string PciAddress { get; init; }

    public string VendorId { get; init; } = "10de";

    /// <summary>4-digit lower-case hex, e.g. <c>1b38</c>.</summary>
    public required string DeviceId { get; init; }

    public string? SubsystemVendorId { get; init; }

    public string? SubsystemDeviceId { get; init; }

    /// <summary>What the GPU table says (or a classification from lspci when unknown).</summary>
    public required GpuModel Model { get; init; }

    public string Name => Model.Name;

    public string Architecture => Model.Architecture;

    public VgpuPath VgpuPath => Model.Path;

    /// <summary>Kernel driver bound to the device (<c>nvidia</c>, <c>nouveau</c>, <c>vfio-pci</c>); null when none.</summary>
    public string? DriverInUse { get; init; }

    /// <summary>The lspci description line, e.g. <c>NVIDIA Corporation GP102GL [Tesla P40] [10de:1b38] (rev a1)</c>.</summary>
    public string? LspciDescription { get; init; }

    /// <summary>For an SR-IOV virtual function: the PF's address.</summary>
    public string? PhysicalFunction { get; init; }

    /// <summary>Number of virtual functions the device can expose (SR-IOV capable cards); null otherwise.</summary>
    public int? SriovTotalVfs { get; init; }

    /// <summary>vGPU types offered (mdev types of this device; for an SR-IOV PF, those its VFs can create).</summary>
    public ImmutableArray<VgpuType> VgpuTypes { get; init; } = [];

    /// <summary>vGPUs running on this GPU (from <c>nvidia-smi vgpu -q</c>; empty when none or when the driver is not loaded).</summary>
    public ImmutableArray<RunningVgpu> RunningVgpus { get; init; } = [];

    public bool IsVirtualFunction => PhysicalFunction is not null;
}
