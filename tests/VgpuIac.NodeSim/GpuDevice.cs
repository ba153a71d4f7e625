namespace VgpuIac.NodeSim;

/// <summary>A GPU in the simulated node: its PCI address and the name of a model file under <c>node/gpus/</c>
/// (e.g. <c>tesla-p40</c>, <c>rtx-2080ti</c>, <c>gtx-1080</c>, <c>rtx-a5000</c>).</summary>
public sealed record GpuDevice(string Bdf, string Model);
