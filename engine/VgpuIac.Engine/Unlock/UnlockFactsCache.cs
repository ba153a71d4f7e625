using System.Runtime.CompilerServices;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Unlock;

/// <summary>
/// Keeps what <see cref="UnlockProbe"/> found on a node for a moment, so that the PlanResourceChange that follows a
/// ReadResource of the same <c>vgpu_unlock</c> (one <c>terraform plan</c>, milliseconds apart) reuses the read's probe
/// instead of running it again. An entry lives for <see cref="Ttl"/> measured with the caller's <see cref="TimeProvider"/>;
/// apply and destroy never use it (they probe fresh) and forget the node's entries after changing it.
/// </summary>
internal sealed class UnlockFactsCache
{
    private readonly ConditionalWeakTable<IRemoteShell, Dictionary<string, Entry>> _entries = [];
    private readonly Lock _lock = new();

    public UnlockFactsCache(TimeSpan ttl) => Ttl = ttl;

    /// <summary>The process-wide cache both doors use.</summary>
    public static UnlockFactsCache Shared { get; } = new(TimeSpan.FromSeconds(2));

    public TimeSpan Ttl { get; }

    /// <summary>Facts for <paramref name="libraryPath"/> younger than <see cref="Ttl"/>, else a fresh probe (kept for the next caller).</summary>
    public Task<UnlockNodeFacts> GetAsync(IRemoteShell shell, string libraryPath, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetTimestamp();
        lock (_lock)
        {
            var entries = _entries.GetOrCreateValue(shell);
            if (entries.TryGetValue(libraryPath, out var entry) && !entry.Probe.IsFaulted && !entry.Probe.IsCanceled
                && time.GetElapsedTime(entry.StartedAt, now) < Ttl)
            {
                return entry.Probe;
            }

            var probe = UnlockProbe.RunAsync(shell, libraryPath, cancellationToken);
            entries[libraryPath] = new Entry(probe, now);
            return probe;
        }
    }

    /// <summary>Always probes and keeps the result (a read: the plan that follows may reuse it).</summary>
    public Task<UnlockNodeFacts> RefreshAsync(IRemoteShell shell, string libraryPath, TimeProvider time, CancellationToken cancellationToken)
    {
        Invalidate(shell);
        return GetAsync(shell, libraryPath, time, cancellationToken);
    }

    /// <summary>Forgets every entry of <paramref name="shell"/>'s node. Call after any change to the node.</summary>
    public void Invalidate(IRemoteShell shell)
    {
        ArgumentNullException.ThrowIfNull(shell);
        lock (_lock)
        {
            _entries.Remove(shell);
        }
    }

    private sealed record Entry(Task<UnlockNodeFacts> Probe, long StartedAt);
}
