using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// The node's <see cref="VmSnapshot"/> (<see cref="VmSnapshotProbe"/>), read once and shared by the concurrent guest reads of
/// one provider process: a no-op plan of N guests on a node reads the node's VMs once (one <c>qm</c> process), not N times.
/// Like <see cref="NodeFactsCache"/> it is kept in the node's shell and dropped by any change through it (a mutating command
/// such as <c>qm set</c>/<c>qm start</c>, a write, an upload, a reboot); see <see cref="NodeReadCache{T}"/>.
/// </summary>
internal sealed class VmSnapshotCache(TimeSpan ttl) : NodeReadCache<VmSnapshot>(ttl)
{
    /// <summary>The lifetime both doors use (the snapshot itself is per node shell).</summary>
    public static VmSnapshotCache Shared { get; } = new(TimeSpan.FromSeconds(30));

    /// <summary>What the node knows about VM <paramref name="vmId"/>; null when the node has no config for it.</summary>
    public async Task<VmFacts?> GetAsync(IRemoteShell shell, int vmId, TimeProvider time, CancellationToken cancellationToken) =>
        (await GetAsync(shell, time, cancellationToken).ConfigureAwait(false)).Find(vmId);

    /// <inheritdoc cref="GetAsync(IRemoteShell, int, TimeProvider, CancellationToken)"/>
    public Task<VmFacts?> GetAsync(IRemoteShell shell, int vmId, CancellationToken cancellationToken) =>
        GetAsync(shell, vmId, TimeProvider.System, cancellationToken);

    /// <summary>How many snapshot reads this shell started (tests count them).</summary>
    public static int ReadsStarted(IRemoteShell shell) => Shared.ReadsStartedOn(shell);

    protected override Task<VmSnapshot> ReadAsync(IRemoteShell shell, CancellationToken cancellationToken) => VmSnapshotProbe.RunAsync(shell, cancellationToken);
}
