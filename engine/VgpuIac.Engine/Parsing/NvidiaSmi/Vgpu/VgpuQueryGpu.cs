using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>One physical GPU of <c>nvidia-smi vgpu -q</c> with its running vGPUs.</summary>
internal sealed record VgpuQueryGpu(string BusId, PciAddress? Address, int? ActiveVgpuCount, ImmutableArray<ActiveVgpu> Vgpus);
