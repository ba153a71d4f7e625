using System.Collections.Concurrent;

namespace VgpuIac.Engine.Remote;

/// <summary>
/// A node's shell that knows when the node changed through it: every mutating command (<see cref="RemoteCommand.Mutating"/>),
/// file write, upload and reboot bumps <see cref="Generation"/> before it starts and again when it ends, and raises
/// <see cref="Changed"/>. It also holds the node's read caches (<see cref="Scoped{T}"/>), so they live exactly as long as the
/// connection they describe (one provider process, one configured node) and need no call site to invalidate them by hand.
/// </summary>
public sealed class ObservedRemoteShell : IRemoteShell, IAsyncDisposable
{
    private readonly ConcurrentDictionary<Type, object> _scoped = new();
    private readonly Lock _quietLock = new();
    private TaskCompletionSource _quiet = NewQuiet(completed: true);
    private int _changesInFlight;
    private long _generation;

    /// <summary>Observes changes made through <paramref name="inner"/>.</summary>
    public ObservedRemoteShell(IRemoteShell inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        Inner = inner;
    }

    /// <summary>The shell that does the work.</summary>
    public IRemoteShell Inner { get; }

    /// <inheritdoc/>
    public string NodeName => Inner.NodeName;

    /// <summary>
    /// Changes when the node may have changed through this shell. A read that saw the same value before it started and after
    /// its answer arrived overlapped no change; any other read may be stale.
    /// </summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Raised after a change through this shell ended (successfully or not).</summary>
    public event EventHandler? Changed;

    /// <summary>The node-scoped object of type <typeparamref name="T"/> (e.g. a cache), created once by <paramref name="create"/>.</summary>
    public T Scoped<T>(Func<T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        return (T)_scoped.GetOrAdd(typeof(T), static (_, c) => c(), create);
    }

    /// <summary>
    /// Completes when no change is running through this shell. Node-wide reads wait for it, so a probe never reads the node
    /// half-way through a change made by this process (e.g. <c>mdevctl types</c> while <c>qm start</c> creates an mdev).
    /// Changes are running commands that end on their own, so waiting cannot deadlock.
    /// </summary>
    public Task WhenQuietAsync(CancellationToken cancellationToken)
    {
        lock (_quietLock)
        {
            return _quiet.Task.IsCompleted ? Task.CompletedTask : _quiet.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Marks the node as changed by something outside this shell (e.g. a test that edits the node by hand).</summary>
    public void MarkChanged()
    {
        Interlocked.Increment(ref _generation);
        Changed?.Invoke(this, EventArgs.Empty);
    }

    /// <inheritdoc/>
    public Task<RemoteResult> RunAsync(RemoteCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command.Mutating ? ChangeAsync(() => Inner.RunAsync(command, cancellationToken)) : Inner.RunAsync(command, cancellationToken);
    }

    /// <inheritdoc/>
    public Task WriteFileAsync(RemoteFile file, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            await Inner.WriteFileAsync(file, cancellationToken).ConfigureAwait(false);
            return true;
        });

    /// <inheritdoc/>
    public Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken) => Inner.ReadFileAsync(path, cancellationToken);

    /// <inheritdoc/>
    public Task<bool> UploadAsync(string localPath, string remotePath, string sha256, int mode, IProgress<double>? progress, CancellationToken cancellationToken) =>
        ChangeAsync(() => Inner.UploadAsync(localPath, remotePath, sha256, mode, progress, cancellationToken));

    /// <inheritdoc/>
    public Task RebootAsync(RemoteCommand rebootCommand, TimeSpan timeout, CancellationToken cancellationToken) =>
        ChangeAsync(async () =>
        {
            await Inner.RebootAsync(rebootCommand, timeout, cancellationToken).ConfigureAwait(false);
            return true;
        });

    /// <inheritdoc/>
    public Task<IAsyncDisposable> LockAsync(string name, CancellationToken cancellationToken) => Inner.LockAsync(name, cancellationToken);

    /// <summary>Disposes the inner shell, closing its connection.</summary>
    public ValueTask DisposeAsync() => Inner is IAsyncDisposable disposable ? disposable.DisposeAsync() : ValueTask.CompletedTask;

    /// <summary>The node's name, marked as observed.</summary>
    public override string ToString() => $"{NodeName} (observed)";

    private static TaskCompletionSource NewQuiet(bool completed)
    {
        var quiet = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (completed)
        {
            quiet.SetResult();
        }

        return quiet;
    }

    private async Task<T> ChangeAsync<T>(Func<Task<T>> change)
    {
        lock (_quietLock)
        {
            if (_changesInFlight++ == 0)
            {
                _quiet = NewQuiet(completed: false);
            }
        }

        Interlocked.Increment(ref _generation);
        try
        {
            return await change().ConfigureAwait(false);
        }
        finally
        {
            MarkChanged();
            lock (_quietLock)
            {
                if (--_changesInFlight == 0)
                {
                    _quiet.TrySetResult();
                }
            }
        }
    }
}
