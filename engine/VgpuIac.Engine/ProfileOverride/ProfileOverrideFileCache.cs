using System.Runtime.CompilerServices;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.ProfileOverride;

/// <summary>
/// Keeps <c>profile_override.toml</c> as a read found it for a moment, so that the PlanResourceChange that follows a
/// ReadResource (one <c>terraform plan</c>, milliseconds apart) does not read the file again. An entry lives for
/// <see cref="Ttl"/> from the moment its answer arrived (a read still in flight is shared), measured with the caller's
/// <see cref="TimeProvider"/>. Apply and delete never use it: they read the file under the node lock, and forget the node's
/// entry after writing.
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
    public async Task<ProfileOverrideFile> GetAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        Task<ProfileOverrideRead> read;
        lock (_lock)
        {
            read = _entries.TryGetValue(shell, out var entry) && entry.IsFresh(time, Ttl)
                ? entry.Read
                : Start(shell, null, time, cancellationToken);
        }

        return (await read.ConfigureAwait(false)).File;
    }

    /// <summary>
    /// Reads the file now, with the VMs that must restart for <paramref name="section"/>, in one round trip, and keeps the file
    /// (a refresh: the plan that follows may reuse it).
    /// </summary>
    public Task<ProfileOverrideRead> RefreshAsync(IRemoteShell shell, OverrideSection section, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        lock (_lock)
        {
            return Start(shell, section, time, cancellationToken);
        }
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

    /// <summary>Starts a read and keeps it as the node's entry (call under the lock).</summary>
    private Task<ProfileOverrideRead> Start(IRemoteShell shell, OverrideSection? section, TimeProvider time, CancellationToken cancellationToken)
    {
        var entry = new Entry();
        entry.Read = ReadAsync(shell, section, time, entry, cancellationToken);
        _entries.AddOrUpdate(shell, entry);
        return entry.Read;
    }

    private static async Task<ProfileOverrideRead> ReadAsync(IRemoteShell shell, OverrideSection? section, TimeProvider time, Entry entry, CancellationToken cancellationToken)
    {
        var read = await ProfileOverrideNode.ReadAsync(shell, section, cancellationToken).ConfigureAwait(false);
        entry.Answered(time.GetTimestamp());
        return read;
    }

    /// <summary>One read of a node's file; fresh while in flight and for <see cref="Ttl"/> after its answer.</summary>
    private sealed class Entry
    {
        public Task<ProfileOverrideRead> Read { get; set; } = Task.FromResult(new ProfileOverrideRead(ProfileOverrideFile.Missing, []));

        private long _answeredAt = long.MinValue;

        public void Answered(long timestamp) => Interlocked.Exchange(ref _answeredAt, timestamp);

        public bool IsFresh(TimeProvider time, TimeSpan ttl)
        {
            var at = Interlocked.Read(ref _answeredAt);
            return !Read.IsCompleted || (Read.IsCompletedSuccessfully && (at == long.MinValue || time.GetElapsedTime(at) < ttl));
        }
    }
}
