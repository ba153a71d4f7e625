using System.Runtime.CompilerServices;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Unlock;

/// <summary>
/// Keeps what <see cref="UnlockProbe"/> found on a node for a moment, so that the PlanResourceChange that follows a
/// ReadResource of the same <c>vgpu_unlock</c> (one <c>terraform plan</c>, milliseconds apart) reuses the read's probe
/// instead of running it again. An entry lives for <see cref="Ttl"/> from the moment the probe's answer arrived (a probe
/// still in flight is shared), measured with the caller's <see cref="TimeProvider"/>; apply and destroy never use it (they
/// probe fresh) and forget the node's entries after changing it.
/// </summary>
internal sealed class UnlockFactsCache
{
    private readonly ConditionalWeakTable<IRemoteShell, Dictionary<string, Entry>> _entries = [];
    private readonly Lock _lock = new();

    public UnlockFactsCache(TimeSpan ttl) => Ttl = ttl;

    /// <summary>The process-wide cache both doors use.</summary>
    public static UnlockFactsCache Shared { get; } = new(TimeSpan.FromSeconds(2));

    public TimeSpan Ttl { get; }

    /// <summary>Facts for <paramref name="libraryPath"/> answered less than <see cref="Ttl"/> ago, else a fresh probe (kept for the next caller).</summary>
    public Task<UnlockNodeFacts> GetAsync(IRemoteShell shell, string libraryPath, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        lock (_lock)
        {
            var entries = _entries.GetOrCreateValue(shell);
            if (entries.TryGetValue(libraryPath, out var entry) && entry.IsFresh(time, Ttl))
            {
                return entry.Probe;
            }

            var started = new Entry();
            started.Probe = ProbeAsync(shell, libraryPath, time, started, cancellationToken);
            entries[libraryPath] = started;
            return started.Probe;
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

    private static async Task<UnlockNodeFacts> ProbeAsync(IRemoteShell shell, string libraryPath, TimeProvider time, Entry entry, CancellationToken cancellationToken)
    {
        var facts = await UnlockProbe.RunAsync(shell, libraryPath, cancellationToken).ConfigureAwait(false);
        entry.Answered(time.GetTimestamp());
        return facts;
    }

    /// <summary>One probe of a node; fresh while in flight and for the cache's lifetime after its answer.</summary>
    private sealed class Entry
    {
        private long _answeredAt = long.MinValue;

        public Task<UnlockNodeFacts> Probe { get; set; } = Task.FromResult(new UnlockNodeFacts());

        public void Answered(long timestamp) => Interlocked.Exchange(ref _answeredAt, timestamp);

        public bool IsFresh(TimeProvider time, TimeSpan ttl)
        {
            var at = Interlocked.Read(ref _answeredAt);
            return !Probe.IsCompleted || (Probe.IsCompletedSuccessfully && (at == long.MinValue || time.GetElapsedTime(at) < ttl));
        }
    }
}
