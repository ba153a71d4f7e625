namespace VgpuIac.Engine.Remote;

/// <summary>
/// The engine's only way to reach a node. One instance per node per process, safe for concurrent use.
/// Transport failures surface as <see cref="NodeConnectionException"/>; a command's non-zero exit is a result, not an exception.
/// </summary>
public interface IRemoteShell
{
    /// <summary>The node's name in the provider configuration.</summary>
    string NodeName { get; }

    /// <summary>Runs a command and returns its exit code and output; a non-zero exit is a result, not an exception.</summary>
    Task<RemoteResult> RunAsync(RemoteCommand command, CancellationToken cancellationToken);

    /// <summary>Writes a file atomically with mode and owner; never leaves a half-written file at <see cref="RemoteFile.Path"/>.</summary>
    Task WriteFileAsync(RemoteFile file, CancellationToken cancellationToken);

    /// <summary>Reads a file; null when it does not exist.</summary>
    Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Uploads a local file (atomically) as root:root with <paramref name="mode"/> (octal bits; never the local file's mode).
    /// When the remote file already has <paramref name="sha256"/> nothing is sent, but its owner and mode are still set.
    /// Returns true when bytes were sent.
    /// </summary>
    Task<bool> UploadAsync(string localPath, string remotePath, string sha256, int mode, IProgress<double>? progress, CancellationToken cancellationToken);

    /// <summary>Uploads an executable or library: <see cref="UploadAsync(string, string, string, int, IProgress{double}?, CancellationToken)"/> with mode 0755.</summary>
    Task<bool> UploadAsync(string localPath, string remotePath, string sha256, IProgress<double>? progress, CancellationToken cancellationToken) =>
        UploadAsync(localPath, remotePath, sha256, RemoteFile.ExecutableMode, progress, cancellationToken);

    /// <summary>
    /// Issues the reboot command, waits for the connection to drop, then reconnects within <paramref name="timeout"/>.
    /// Throws <see cref="NodeConnectionException"/> with <see cref="NodeConnectionException.RebootTimedOut"/> when the node does not come back.
    /// </summary>
    Task RebootAsync(RemoteCommand rebootCommand, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>
    /// Takes the node-wide lock called <paramref name="name"/> (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>), e.g. around a
    /// read-modify-write of a shared file such as profile_override.toml. The lock is held in this process and on the node
    /// (<c>flock</c> on <c>/run/lock/vgpuiac-&lt;name&gt;.lock</c>), so two provider processes never interleave either.
    /// Dispose the result to release it; it is also released when the connection drops.
    /// </summary>
    Task<IAsyncDisposable> LockAsync(string name, CancellationToken cancellationToken);
}
