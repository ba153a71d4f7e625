using System.Runtime.CompilerServices;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>
/// Keeps <c>profile_override.toml</c> as a read found it for a moment, so that the PlanResourceChange that follows a
/// ReadResource (one <c>terraform plan</c>, milliseconds apart) does not read the file again. An entry lives for
/// <see cref="Ttl"/> measured with the caller's <see cref="TimeProvider"/>. Apply and delete never use it: they read the
/// file under the node lock, and forget the node's entry after writing.
/// </summary>
internal sealed class ProfileOverrideFileCache
{
    private readonly ConditionalWeakTable<IRemoteShell, Entry> _entries = [];
    private readonly Lock _lock = new();

    public ProfileOverrideFileCache(TimeSpan ttl) => Ttl = ttl;

    /// <summary>The process-wide cache both doors use.</summary>
    public static ProfileOverrideFileCache Shared { get; } = new(TimeSpan.FromSeconds(2));

    public TimeSpan Ttl { get; }

    /// <summary>The file as read less than <see cref="Ttl"/> ago, else read now (and kept for the next caller).</summary>
    public Task<ProfileOverrideFile> GetAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        var now = time.GetTimestamp();
        lock (_lock)
        {
            if (_entries.TryGetValue(shell, out var entry) && !entry.Read.IsFaulted && !entry.Read.IsCanceled
                && time.GetElapsedTime(entry.StartedAt, now) < Ttl)
            {
                return entry.Read;
            }

            var read = ProfileOverrideNode.ReadAsync(shell, cancellationToken);
            _entries.AddOrUpdate(shell, new Entry(read, now));
            return read;
        }
    }

    /// <summary>Reads the file now and keeps it (a refresh: the plan that follows may reuse it).</summary>
    public Task<ProfileOverrideFile> RefreshAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        Invalidate(shell);
        return GetAsync(shell, time, cancellationToken);
    }

    /// <summary>Forgets the file of <paramref name="shell"/>'s node. Call after writing it.</summary>
    public void Invalidate(IRemoteShell shell)
    {
        ArgumentNullException.ThrowIfNull(shell);
        lock (_lock)
        {
            _entries.Remove(shell);
        }
    }

    private sealed record Entry(Task<ProfileOverrideFile> Read, long StartedAt);
}
