using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// One cached read of a node, held by the node's <see cref="ObservedRemoteShell"/>: a single in-flight read shared by
/// concurrent callers, kept while the shell's <see cref="ObservedRemoteShell.Generation"/> is unchanged and for a lifetime
/// that starts when the answer arrives. The read runs under no caller's token (a caller that gives up stops waiting; the
/// others still get the answer). Failed reads and reads that overlapped a change are not kept.
/// </summary>
public sealed class NodeScopedRead<T>
{
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

    /// <summary>Forgets the cached answer (an in-flight read still answers its callers but is not kept).</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            _entry = null;
        }
    }

    private static bool IsUsable(Entry entry, long generation, TimeSpan ttl, TimeProvider time) =>
        entry.Generation == generation
        && (!entry.Answer.Task.IsCompleted
            || (entry.Answer.Task.IsCompletedSuccessfully && time.GetElapsedTime(Interlocked.Read(ref entry.ArrivedAt)) < ttl));

    private async Task RunAsync(Entry entry, ObservedRemoteShell shell, Func<IRemoteShell, CancellationToken, Task<T>> read, TimeProvider time)
    {
        try
        {
            var answer = await read(shell, CancellationToken.None).ConfigureAwait(false);
            Interlocked.Exchange(ref entry.ArrivedAt, time.GetTimestamp());
            Forget(entry, unlessCurrent: shell.Generation == entry.Generation);
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

        public long Generation { get; } = generation;

        public TaskCompletionSource<T> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
