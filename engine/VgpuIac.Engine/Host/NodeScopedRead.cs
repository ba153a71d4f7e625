using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// One cached read of a node, held by the node's <see cref="ObservedRemoteShell"/>: a single in-flight read shared by
/// concurrent callers, kept while the shell's <see cref="ObservedRemoteShell.Generation"/> is unchanged and for a lifetime
/// that starts when the answer arrives. The read waits until no change runs through the shell
/// (<see cref="ObservedRemoteShell.WhenQuietAsync"/>), then runs under no caller's token (a caller that gives up stops waiting; the
/// others still get the answer). Failed reads and reads that overlapped a change are not kept.
/// </summary>
internal sealed class NodeScopedRead<T>
{
    /// <summary>How long a read waits for changes in flight through the shell to end before it reads anyway.</summary>
    public static readonly TimeSpan QuietWait = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private Entry? _entry;

    /// <summary>How many reads were started (for tests and the bench's counts).</summary>
    public int ReadsStarted { get; private set; }

    public Task<T> GetAsync(
        ObservedRemoteShell shell, Func<IRemoteShell, CancellationToken, Task<T>> read, TimeSpan ttl, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(time);
        Entry entry;
        var start = false;
        lock (_lock)
        {
            if (_entry is { } current && IsUsable(current, shell.Generation, ttl, time))
            {
                entry = current;
            }
            else
            {
                entry = new Entry(shell.Generation);
                _entry = entry;
                ReadsStarted++;
                start = true;
            }
        }

        if (start)
        {
            _ = RunAsync(entry, shell, read, time);
        }

        return entry.Answer.Task.IsCompleted ? entry.Answer.Task : entry.Answer.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Keeps an answer read by another probe that started at <paramref name="generation"/>: only when the shell is still at that
    /// generation (nothing changed since the read started) and no usable answer is cached or in flight.
    /// </summary>
    public void Offer(ObservedRemoteShell shell, T answer, long generation, TimeSpan ttl, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        lock (_lock)
        {
            if (shell.Generation != generation || (_entry is { } current && IsUsable(current, generation, ttl, time)))
            {
                return;
            }

            var entry = new Entry(generation) { Started = true };
            entry.ArrivedAt = time.GetTimestamp();
            entry.Answer.TrySetResult(answer);
            _entry = entry;
        }
    }

    /// <summary>Forgets the cached answer (an in-flight read still answers its callers but is not kept).</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            _entry = null;
        }
    }

    // called under _lock: a read still waiting for quiet is joined whatever changed meanwhile (it reads after the changes)
    private static bool IsUsable(Entry entry, long generation, TimeSpan ttl, TimeProvider time) =>
        !entry.Started
        || (entry.Generation == generation
        && (!entry.Answer.Task.IsCompleted
            || (entry.Answer.Task.IsCompletedSuccessfully && time.GetElapsedTime(Interlocked.Read(ref entry.ArrivedAt)) < ttl)));

    private async Task RunAsync(Entry entry, ObservedRemoteShell shell, Func<IRemoteShell, CancellationToken, Task<T>> read, TimeProvider time)
    {
        try
        {
            // Read between changes made by this process rather than across one (the answer could be torn, e.g. mdevctl
            // types while qm start creates an mdev); a long change (an installer, a copy into a guest) delays it by QuietWait at most.
            try
            {
                await shell.WhenQuietAsync(CancellationToken.None).WaitAsync(QuietWait, time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // read anyway: the answer is not kept when a change overlapped it
            }

            lock (_lock)
            {
                entry.Generation = shell.Generation;
                entry.Started = true;
            }

            var answer = await read(shell, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Exchange(ref entry.ArrivedAt, time.GetTimestamp());
            bool current;
            lock (_lock)
            {
                current = shell.Generation == entry.Generation;
            }

            Forget(entry, unlessCurrent: current);
            entry.Answer.TrySetResult(answer);
        }
#pragma warning disable CA1031 // The failure belongs to the callers: it is handed to them, never swallowed.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Forget(entry, unlessCurrent: false);
            entry.Answer.TrySetException(e);
        }
    }

    private void Forget(Entry entry, bool unlessCurrent)
    {
        if (unlessCurrent)
        {
            return;
        }

        lock (_lock)
        {
            if (ReferenceEquals(_entry, entry))
            {
                _entry = null;
            }
        }
    }

    private sealed class Entry(long generation)
    {
        public long ArrivedAt;

        /// <summary>The shell's generation when the read started (guarded by the owner's lock).</summary>
        public long Generation { get; set; } = generation;

        /// <summary>False while the read waits for the shell to be quiet (guarded by the owner's lock).</summary>
        public bool Started { get; set; }

        public TaskCompletionSource<T> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
