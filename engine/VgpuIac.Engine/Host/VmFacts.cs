using System.Collections.Immutable;
using VgpuIac.Engine.Parsing.Pve;

namespace VgpuIac.Engine.Host;

/// <summary>
/// A QEMU VM on the node (from <c>qm list</c> and its config's <c>hostpciN</c> lines). From a <see cref="VmSnapshot"/> it
/// also carries the whole current config and the VM's live mediated devices.
/// </summary>
internal sealed record VmFacts
{
    public required int VmId { get; init; }

    public string? Name { get; init; }

    /// <summary><c>running</c>, <c>stopped</c>, ...; null when qm list did not show it.</summary>
    public string? Status { get; init; }

    public ImmutableArray<VmHostPci> HostPci { get; init; } = [];

    public bool IsRunning => string.Equals(Status, "running", StringComparison.Ordinal);

    public bool UsesVgpu => HostPci.Any(h => h.MdevType is not null);

    /// <summary>The current config (the <c>.conf</c> file up to its first section, as <c>qm config</c> shows it); null when not read.</summary>
    public QmConfig? Config { get; init; }

    /// <summary>The VM's live mdevs (PVE names them <c>%08d-0000-0000-0000-%012d</c> of hostpci index and VMID); empty when not read.</summary>
    public ImmutableArray<LiveMdev> Mdevs { get; init; } = [];

    /// <summary>True when the config turns the QEMU guest agent on (<c>agent: 1</c> or <c>agent: enabled=1,...</c>).</summary>
    public bool AgentEnabled => Config?.Get("agent") is { } agent
        && agent.Split(',', StringSplitOptions.TrimEntries).Any(p => p is "1" or "enabled=1");
}
