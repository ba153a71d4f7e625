using System.Runtime.CompilerServices;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// Caches <see cref="NodeFacts"/> per <see cref="IRemoteShell"/> so the resources of one operation probe a node once.
/// An entry lives for <see cref="Ttl"/> (default 2 s, measured with the caller's <see cref="TimeProvider"/>): long enough
/// for the burst of ReadResource/PlanResourceChange RPCs one <c>terraform plan</c> sends for every resource on a node,
/// short enough that the next command sees fresh facts. Whoever changes a node MUST call <see cref="Invalidate"/>
/// afterwards (resources do so after every mutating step). Concurrent callers share one in-flight probe.
/// </summary>
public sealed class NodeFactsCache
{
    private readonly ConditionalWeakTable<IRemoteShell, Entry> _entries = [];
    private readonly Lock _lock = new();

    public NodeFactsCache(TimeSpan ttl) => Ttl = ttl;

    /// <summary>The process-wide cache both doors use.</summary>
    public static NodeFactsCache Shared { get; } = new(TimeSpan.FromSeconds(2));

    public TimeSpan Ttl { get; }

    /// <summary>Cached facts younger than <see cref="Ttl"/>, else a fresh probe (one SSH round trip).</summary>
    public Task<NodeFacts> GetAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (_entries.TryGetValue(shell, out var entry) && !entry.Probe.IsFaulted && !entry.Probe.IsCanceled
                && time.GetElapsedTime(entry.StartedAt, now) < Ttl)
            {
                return entry.Probe;
            }

            var probe = NodeFactsProbe.RunAsync(shell, cancellationToken);
            _entries.AddOrUpdate(shell, new Entry(probe, now));
            return probe;
        }
    }

    /// <summary>Always probes (and refreshes the cache); use right after changing the node.</summary>
    public Task<NodeFacts> RefreshAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        Invalidate(shell);
        return GetAsync(shell, time, cancellationToken);
    }

    /// <summary>Forgets the facts of <paramref name="shell"/>'s node. Call after any change to the node.</summary>
    public void Invalidate(IRemoteShell shell)
    {
        ArgumentNullException.ThrowIfNull(shell);
        lock (_lock)
        {
            _entries.Remove(shell);
        }
    }

    private sealed record Entry(Task<NodeFacts> Probe, long StartedAt);
}
