namespace VgpuIac.Engine.Ssh;

/// <summary>Tuning of the SSH transport; the defaults suit real nodes.</summary>
public sealed record SshTransportOptions
{
    /// <summary>The defaults, which suit real nodes.</summary>
    public static SshTransportOptions Default { get; } = new();

    /// <summary>
    /// Key exchange tried first. curve25519-sha256 connects several times faster than SSH.NET's default post-quantum
    /// exchange (measured); null keeps the library's order.
    /// </summary>
    public string? PreferredKeyExchange { get; init; } = "curve25519-sha256";

    /// <summary>SSH keep-alive interval on idle connections.</summary>
    public TimeSpan KeepAliveInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Timeout of a command that sets none.</summary>
    public TimeSpan DefaultCommandTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>First pause between connect attempts; doubled after each failure up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan InitialRetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest pause between connect attempts.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause between reconnect attempts while waiting for a node to come back from a reboot.</summary>
    public TimeSpan RebootPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Commands running at once on the shared connection. A connection carries at most 10 channels (sshd's MaxSessions
    /// default, and SSH.NET's own limit, which blocks the 11th channel until one closes): commands, the held node locks
    /// (<see cref="MaxLockChannels"/>) and one spare for stopping a command stay within it. Further commands wait.
    /// </summary>
    public int MaxConcurrentChannels { get; init; } = 6;

    /// <summary>
    /// Node locks held at once on the shared connection (each holds a channel while held). Locks beyond these go to a
    /// second connection of the same node that carries only locks (up to 9), so held locks never starve the commands
    /// their holders run (ten guests created at once each hold their vmid's lock).
    /// </summary>
    public int MaxLockChannels { get; init; } = 3;

    /// <summary>
    /// How long to wait for a node lock held by another process (another apply, or an operation it left running) before
    /// giving up with a message saying so. Longer than the installer's own timeout (30 min).
    /// </summary>
    public TimeSpan NodeLockTimeout { get; init; } = TimeSpan.FromMinutes(40);

    /// <summary>Chunk size for streaming uploads (progress is reported per chunk).</summary>
    public int UploadChunkBytes { get; init; } = 256 * 1024;
}
