using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// <see cref="NodeFacts"/> of a node, probed once and shared by every resource of the provider process that reads that node.
/// The facts live in the node's <see cref="ObservedRemoteShell"/> (one per configured node per process, see
/// <see cref="ObservedRemoteShell.Scoped{T}"/>), not in a static table, and are dropped by any change made through that
/// shell (a mutating command, a write, an upload, a reboot), so call sites need not invalidate by hand. An answer that
/// overlapped such a change is never kept. <see cref="Ttl"/> bounds how long an answer is trusted against changes made outside
/// the process; it starts when the answer arrives. Concurrent callers share one in-flight probe, which runs under no
/// caller's cancellation token (each caller stops waiting on its own token; the read-only probe finishes for the others).
/// A shell that is not an <see cref="ObservedRemoteShell"/> is probed on every call.
/// </summary>
public sealed class NodeFactsCache
{
    public NodeFactsCache(TimeSpan ttl) => Ttl = ttl;

    /// <summary>The lifetime both doors use (the state itself is per node shell, see the class remarks).</summary>
    public static NodeFactsCache Shared { get; } = new(TimeSpan.FromSeconds(30));

    public TimeSpan Ttl { get; }

    /// <summary>Cached facts (younger than <see cref="Ttl"/> since they arrived, no change since), else a fresh probe (one SSH round trip).</summary>
    public Task<NodeFacts> GetAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        return shell is ObservedRemoteShell observed
            ? observed.Scoped(static () => new NodeScopedRead<NodeFacts>()).GetAsync(observed, NodeFactsProbe.RunAsync, Ttl, time, cancellationToken)
            : NodeFactsProbe.RunAsync(shell, cancellationToken);
    }

    /// <summary>Always probes (and refreshes the cache); use right after changing the node by other means than the shell.</summary>
    public Task<NodeFacts> RefreshAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        Invalidate(shell);
        return GetAsync(shell, time, cancellationToken);
    }

    /// <summary>Forgets the facts of <paramref name="shell"/>'s node. Changes through the shell do this by themselves.</summary>
    public void Invalidate(IRemoteShell shell)
    {
        ArgumentNullException.ThrowIfNull(shell);
        if (shell is ObservedRemoteShell observed)
        {
            observed.Scoped(static () => new NodeScopedRead<NodeFacts>()).Invalidate();
        }
    }
}
