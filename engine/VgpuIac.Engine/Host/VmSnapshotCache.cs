using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// The node's <see cref="VmSnapshot"/>, read once and shared by the concurrent guest reads of one provider process: a no-op
/// plan of N guests on a node reads the node's VMs once (one <c>qm</c> process), not N times. Like <see cref="NodeFactsCache"/>
/// the snapshot lives in the node's <see cref="ObservedRemoteShell"/>: any change made through the shell (a mutating
/// command such as <c>qm set</c>/<c>qm start</c>, a write, an upload, a reboot) drops it, and an answer that overlapped a
/// change is never kept. A shell that is not an <see cref="ObservedRemoteShell"/> is read on every call.
/// </summary>
public sealed class VmSnapshotCache
{
    public VmSnapshotCache(TimeSpan ttl) => Ttl = ttl;

    /// <summary>The lifetime both doors use (the snapshot itself is per node shell).</summary>
    public static VmSnapshotCache Shared { get; } = new(TimeSpan.FromSeconds(30));

    /// <summary>How long an answer is trusted against changes made outside this process; counted from its arrival.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>The snapshot of <paramref name="shell"/>'s node (cached, or one fresh round trip shared by concurrent callers).</summary>
    public Task<VmSnapshot> GetAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        return shell is ObservedRemoteShell observed
            ? Read(observed).GetAsync(observed, VmSnapshotProbe.RunAsync, Ttl, time, cancellationToken)
            : VmSnapshotProbe.RunAsync(shell, cancellationToken);
    }

    /// <summary>What the node knows about VM <paramref name="vmId"/>; null when the node has no config for it.</summary>
    public async Task<VmFacts?> GetAsync(IRemoteShell shell, int vmId, TimeProvider time, CancellationToken cancellationToken) =>
        (await GetAsync(shell, time, cancellationToken).ConfigureAwait(false)).Find(vmId);

    /// <inheritdoc cref="GetAsync(IRemoteShell, int, TimeProvider, CancellationToken)"/>
    public Task<VmFacts?> GetAsync(IRemoteShell shell, int vmId, CancellationToken cancellationToken) =>
        GetAsync(shell, vmId, TimeProvider.System, cancellationToken);

    /// <summary>Forgets the snapshot (changes through the shell do this by themselves).</summary>
    public void Invalidate(IRemoteShell shell)
    {
        ArgumentNullException.ThrowIfNull(shell);
        if (shell is ObservedRemoteShell observed)
        {
            Read(observed).Invalidate();
        }
    }

    /// <summary>How many snapshot reads this shell started (tests count them).</summary>
    public static int ReadsStarted(IRemoteShell shell) => shell is ObservedRemoteShell observed ? Read(observed).ReadsStarted : 0;

    private static NodeScopedRead<VmSnapshot> Read(ObservedRemoteShell shell) => shell.Scoped(static () => new NodeScopedRead<VmSnapshot>());
}
