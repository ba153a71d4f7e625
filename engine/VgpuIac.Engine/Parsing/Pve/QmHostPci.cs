namespace VgpuIac.Engine.Parsing.Pve;

/// <summary>One <c>hostpciN</c> line of a VM config: its index N, the raw value and the parsed device.</summary>
public sealed record QmHostPci(int Index, string Raw, HostPciDevice Device);
