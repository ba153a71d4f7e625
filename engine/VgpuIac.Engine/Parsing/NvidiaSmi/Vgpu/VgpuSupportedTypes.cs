using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pci;

namespace VgpuIac.Engine.Parsing.NvidiaSmi.Vgpu;

/// <summary>The vGPU types one physical GPU supports (or can create now, for <c>-c</c>).</summary>
public sealed record VgpuSupportedTypes(string BusId, PciAddress? Address, ImmutableArray<VgpuTypeInfo> Types);
