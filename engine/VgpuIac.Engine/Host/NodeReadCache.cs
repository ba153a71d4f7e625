using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// A read of a whole node (<see cref="NodeFactsCache"/>, <see cref="VmSnapshotCache"/>), made once and shared by every resource
/// of the provider process that reads that node. The answer lives in the node's <see cref="ObservedRemoteShell"/> (one per
/// configured node per process, see <see cref="ObservedRemoteShell.Scoped{T}"/>) as a <see cref="NodeScopedRead{T}"/>, not in a
/// static table, and is dropped by any change made through that shell (a mutating command, a write, an upload, a reboot), so
/// call sites need not invalidate by hand; an answer that overlapped such a change is never kept. <see cref="Ttl"/> bounds how
/// long an answer is trusted against changes made outside the process; it starts when the answer arrives. Concurrent callers
/// share one in-flight read, which runs under no caller's token (each caller stops waiting on its own token; the read-only
/// read finishes for the others). A shell that is not an <see cref="ObservedRemoteShell"/> is read on every call.
/// </summary>
/// <typeparam name="T">The answer (one type per kind of read: the shell keeps one cached answer per type).</typeparam>
internal abstract class NodeReadCache<T>
    where T : class
{
    protected NodeReadCache(TimeSpan ttl) => Ttl = ttl;

    /// <summary>How long an answer is trusted against changes made outside this process; counted from its arrival.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>The cached answer (younger than <see cref="Ttl"/>, no change through the shell since), else one fresh read.</summary>
    public Task<T> GetAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        return shell is ObservedRemoteShell observed
            ? Scope(observed).GetAsync(observed, (s, ct) => ReadAsync(s, time, ct), Ttl, time, cancellationToken)
            : ReadAsync(shell, cancellationToken);
    }

    /// <summary>Always reads (and refreshes the cache); use right after changing the node by other means than the shell.</summary>
    public Task<T> RefreshAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        Invalidate(shell);
        return GetAsync(shell, time, cancellationToken);
    }

    /// <summary>Forgets the answer of <paramref name="shell"/>'s node. Changes through the shell do this by themselves.</summary>
    public void Invalidate(IRemoteShell shell)
    {
        ArgumentNullException.ThrowIfNull(shell);
        if (shell is ObservedRemoteShell observed)
        {
            Scope(observed).Invalidate();
        }
    }

    /// <summary>How many reads of this kind were started through <paramref name="shell"/> (tests and the bench count them).</summary>
    public int ReadsStartedOn(IRemoteShell shell) => shell is ObservedRemoteShell observed ? Scope(observed).ReadsStarted : 0;

    /// <summary>
    /// Keeps <paramref name="answer"/>, read by another probe that started at the shell's <paramref name="generation"/>, as this
    /// cache's answer when nothing changed through the shell since and no read of this kind is cached or in flight.
    /// </summary>
    public void Offer(IRemoteShell shell, T answer, long generation, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(time);
        if (shell is ObservedRemoteShell observed)
        {
            Scope(observed).Offer(observed, answer, generation, Ttl, time);
        }
    }

    /// <summary>The read itself: one round trip, read-only.</summary>
    protected abstract Task<T> ReadAsync(IRemoteShell shell, CancellationToken cancellationToken);

    /// <summary>The read, with the clock of the call that started it (for reads that offer answers to other caches).</summary>
    protected virtual Task<T> ReadAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken) => ReadAsync(shell, cancellationToken);

    private static NodeScopedRead<T> Scope(ObservedRemoteShell shell) => shell.Scoped(static () => new NodeScopedRead<T>());
}
