using System.Collections.Immutable;

namespace VgpuIac.Engine.Host;

/// <summary>
/// Everything a node itself knows about its QEMU VMs, read in one round trip (<see cref="VmSnapshotProbe"/>): every config
/// under <c>/etc/pve/qemu-server/</c>, one <c>qm list</c>, the live mdevs. What only a guest knows (agent answers) is not here.
/// </summary>
internal sealed record VmSnapshot
{
    public required string NodeName { get; init; }

    /// <summary>The VMs by VMID: one per config file.</summary>
    public ImmutableSortedDictionary<int, VmFacts> Vms { get; init; } = ImmutableSortedDictionary<int, VmFacts>.Empty;

    /// <summary>False when <c>qm list</c> failed: <see cref="VmFacts.Status"/> is then null and a caller must ask <c>qm status</c>.</summary>
    public bool StatusListed { get; init; }

    /// <summary>True when the listing ran to its end (a cut listing is never used: a VM in the cut part would look absent).</summary>
    public bool Complete { get; init; }

    /// <summary>Every live mdev of the node (also those of no VM).</summary>
    public ImmutableArray<LiveMdev> Mdevs { get; init; } = [];

    /// <summary>What could not be read (a config that did not decode, a failed listing).</summary>
    public ImmutableArray<string> Warnings { get; init; } = [];

    /// <summary>The VM <paramref name="vmId"/>, or null when the node has no config for it.</summary>
    public VmFacts? Find(int vmId) => Vms.TryGetValue(vmId, out var vm) ? vm : null;
}
