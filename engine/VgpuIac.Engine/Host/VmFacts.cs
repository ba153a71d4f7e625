using System.Collections.Immutable;

namespace VgpuIac.Engine.Host;

/// <summary>A QEMU VM on the node (from <c>qm list</c> and its config's <c>hostpciN</c> lines).</summary>
public sealed record VmFacts
{
    public required int VmId { get; init; }

    public string? Name { get; init; }

    /// <summary><c>running</c>, <c>stopped</c>, ...; null when qm list did not show it.</summary>
    public string? Status { get; init; }

    public ImmutableArray<VmHostPci> HostPci { get; init; } = [];

    public bool IsRunning => string.Equals(Status, "running", StringComparison.Ordinal);

    public bool UsesVgpu => HostPci.Any(h => h.MdevType is not null);
}
