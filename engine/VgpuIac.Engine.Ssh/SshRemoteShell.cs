using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Renci.SshNet;
using Renci.SshNet.Common;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Ssh;

/// <summary>
/// <see cref="IRemoteShell"/> over one SSH.NET connection per node, opened lazily and shared by concurrent operations
/// (each command is its own channel). Reconnects transparently when the connection was lost between commands;
/// a connection lost while a command runs surfaces as <see cref="NodeConnectionException.DroppedMidCommand"/>.
/// Host keys are verified by <see cref="HostKeyVerifier"/>, never trusted on first use.
/// </summary>
public sealed partial class SshRemoteShell : IRemoteShell, IAsyncDisposable
{
    /// <summary>Exit code reported for a command that ran past its timeout (as coreutils <c>timeout</c> does).</summary>
    public const int TimedOutExitCode = 124;

    private const string MissingMarker = "vgpuiac-missing";

    // Fixed scripts: user input only ever arrives as positional arguments ($1, $2, ...).
    private const string ReadScript = "if [ -e \"$1\" ]; then exec cat -- \"$1\"; fi; echo vgpuiac-missing >&2; exit 3";

    // Prints "<sha256> <owner>:<group> <octal mode>" of an existing file.
    private const string Sha256Script = "[ -f \"$1\" ] || exit 3; sha=$(sha256sum -- \"$1\" | cut -d' ' -f1) || exit 1; printf '%s %s\\n' \"$sha\" \"$(stat -c '%U:%G %a' -- \"$1\")\"";

    private const string OwnerModeScript = "chown -- \"$2\" \"$1\" && chmod -- \"$3\" \"$1\"";

    private const string WriteScript = """
        set -eu
        dest=$1 mode=$2 owner=$3 group=$4 parents=$5 want=${6:-}
        dir=$(dirname -- "$dest")
        if [ "$parents" = 1 ] && [ ! -d "$dir" ]; then mkdir -p -m 0755 -- "$dir"; fi
        umask 077
        tmp=$(mktemp -- "$dir/.vgpuiac-tmp.XXXXXX")
        trap 'rm -f -- "$tmp"' EXIT
        cat > "$tmp"
        if [ -n "$want" ]; then
          have=$(sha256sum -- "$tmp" | cut -d' ' -f1)
          if [ "$have" != "$want" ]; then echo "SHA-256 of the uploaded bytes is $have, expected $want" >&2; exit 65; fi
        fi
        chown -- "$owner:$group" "$tmp"
        chmod -- "$mode" "$tmp"
        sync -- "$tmp" 2>/dev/null || true
        mv -f -- "$tmp" "$dest"
        trap - EXIT
        """;

    // Prints this command's session id (field 6 of /proc/$$/stat) as the first stderr line; stripped from results.
    private const string SessionIdPrefix = "read -r _ _ _ _ _ vgpuiac_sid _ </proc/$$/stat; echo \"vgpuiac-sid:$vgpuiac_sid\" >&2; ";

    private const string StopSessionScript = "pkill -TERM -s \"$1\" || exit 0; sleep 1; pkill -KILL -s \"$1\"; exit 0";

    private const string LockScript = "mkdir -p /run/lock && exec flock -x -E 75 -w \"$2\" \"$1\" sh -c 'echo locked; read -r _ || true'";

    private readonly NodeSettings _node;
    private readonly SshTransportOptions _options;
    private readonly IEngineLog _log;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _connectGate = new(1, 1);

    /// <summary>Set while a reboot is under way: other operations' commands wait for it instead of dying with the connection.</summary>
    private TaskCompletionSource? _reboot;

    /// <summary>True in the async flow that performs the reboot (its own commands must not wait for it).</summary>
    private readonly AsyncLocal<bool> _inReboot = new();

    /// <summary>Commands running now, outside the rebooting flow.</summary>
    private int _inFlight;
    private readonly SemaphoreSlim _channels;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private SshConnection? _connection;
    private int _connectionsOpened;
    private bool _disposed;

    public SshRemoteShell(NodeSettings node, IEngineLog log, SshTransportOptions? options = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(log);
        _node = node;
        _log = log;
        _options = options ?? SshTransportOptions.Default;
        _time = time ?? TimeProvider.System;
        _channels = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentChannels));
    }

    public string NodeName => _node.Name;

    public NodeSettings Settings => _node;

    /// <summary>How many SSH connections this shell has opened so far (1 unless a connection was lost).</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    /// <summary>Key exchange of the current connection (e.g. <c>curve25519-sha256</c>), null when not connected.</summary>
    public string? KeyExchangeAlgorithm => Volatile.Read(ref _connection)?.Client.ConnectionInfo.CurrentKeyExchangeAlgorithm;

    /// <summary>Opens the connection now (otherwise it opens on first use).</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken) =>
        await GetConnectionAsync(cancellationToken).ConfigureAwait(false);

    public async Task<RemoteResult> RunAsync(RemoteCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var raw = await ExecuteAsync(command, null, cancellationToken).ConfigureAwait(false);
        return new RemoteResult(raw.ExitCode, Decode(raw.StandardOutput), Decode(raw.StandardError), raw.Duration);
    }

    public async Task WriteFileAsync(RemoteFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var command = WriteCommand(file.Path, file.Mode, file.Owner, file.Group, file.CreateParents, expectedSha256: null)
            .WithInput(file.Content, sensitive: file.Sensitive);
        var raw = await ExecuteAsync(command, null, cancellationToken).ConfigureAwait(false);
        if (raw.ExitCode != 0)
        {
            throw OperationFailed(
                $"Unable to write {file.Path}: {FirstLine(Decode(raw.StandardError), raw.ExitCode)} (the previous content, if any, is unchanged).",
                "Check free space (`df -h`) and permissions on the node, then run apply again.");
        }
    }

    public async Task<byte[]?> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var raw = await ExecuteAsync(RemoteCommand.Of("sh", "-c", ReadScript, "vgpuiac-read", path), null, cancellationToken).ConfigureAwait(false);
        if (raw.ExitCode == 0)
        {
            return raw.StandardOutput;
        }

        var error = Decode(raw.StandardError);
        if (raw.ExitCode == 3 && error.Contains(MissingMarker, StringComparison.Ordinal))
        {
            return null;
        }

        throw OperationFailed($"Unable to read {path}: {FirstLine(error, raw.ExitCode)}.", "Check that the path is a readable file on the node.");
    }

    public Task<bool> UploadAsync(string localPath, string remotePath, string sha256, IProgress<double>? progress, CancellationToken cancellationToken) =>
        UploadAsync(localPath, remotePath, sha256, RemoteFile.ExecutableMode, progress, cancellationToken);

    public async Task<bool> UploadAsync(string localPath, string remotePath, string sha256, int mode, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        ArgumentException.ThrowIfNullOrEmpty(remotePath);
        ArgumentException.ThrowIfNullOrEmpty(sha256);
        var want = sha256.Trim().ToLowerInvariant();

        // The node's file gets our owner and mode, never the local file's: a local 0666 must not land world-writable.
        var wantMode = Convert.ToString(mode & 0xFFF, 8);
        var existing = await RunAsync(RemoteCommand.Of("sh", "-c", Sha256Script, "vgpuiac-sha256", remotePath), cancellationToken).ConfigureAwait(false);
        var fields = existing.StandardOutput.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (existing.Succeeded && fields.Length == 3 && string.Equals(fields[0], want, StringComparison.Ordinal))
        {
            if (fields[1] != "root:root" || fields[2] != wantMode)
            {
                // Same bytes, wrong owner or mode (changed on the node, or placed by an older version): correct them.
                var fix = await RunAsync(RemoteCommand.Of("sh", "-c", OwnerModeScript, "vgpuiac-chmod", remotePath, "root:root", wantMode.PadLeft(4, '0')).AsMutating(), cancellationToken).ConfigureAwait(false);
                if (!fix.Succeeded)
                {
                    throw OperationFailed($"Unable to set owner root:root and mode {wantMode} on {remotePath}: {FirstLine(fix.StandardError, fix.ExitCode)}.", "Check the file on the node, then run apply again.");
                }

                _log.Write(LogLevel.Info, $"ssh {NodeName}: {remotePath} had owner {fields[1]} and mode {fields[2]}; set to root:root {wantMode}");
            }

            _log.Write(LogLevel.Debug, $"ssh {NodeName}: {remotePath} already has SHA-256 {want}; upload skipped");
            progress?.Report(1.0);
            return false;
        }

        var length = new FileInfo(localPath).Length;
        var command = WriteCommand(remotePath, mode, "root", "root", createParents: true, expectedSha256: want)
            .WithTimeout(TimeSpan.FromTicks(Math.Max(_options.DefaultCommandTimeout.Ticks, TimeSpan.FromHours(2).Ticks)));
        var operation = $"upload {Path.GetFileName(localPath)} to {NodeName}:{remotePath}";
        async Task SendAsync(Stream input, CancellationToken token)
        {
            var buffer = new byte[_options.UploadChunkBytes];
            long sent = 0;
            var lastReported = -1.0;
            await using var source = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            int read;
            while ((read = await source.ReadAsync(buffer, token).ConfigureAwait(false)) > 0)
            {
                await input.WriteAsync(buffer.AsMemory(0, read), token).ConfigureAwait(false);
                sent += read;
                var fraction = length == 0 ? 1.0 : (double)sent / length;
                if (fraction - lastReported >= 0.01 || sent == length)
                {
                    lastReported = fraction;
                    progress?.Report(fraction);
                    _log.Progress(operation, $"{sent / (1024 * 1024)} of {length / (1024 * 1024)} MiB", fraction);
                }
            }
        }

        var raw = await ExecuteAsync(command, SendAsync, cancellationToken).ConfigureAwait(false);
        if (raw.ExitCode != 0)
        {
            var error = FirstLine(Decode(raw.StandardError), raw.ExitCode);
            throw OperationFailed(
                $"Unable to upload {localPath} to {remotePath}: {error}.",
                raw.ExitCode == 65
                    ? "The local file does not have the expected SHA-256: check that the file and the configured sha256 belong together."
                    : "Check free space (`df -h`) and permissions on the node, then run apply again.");
        }

        return true;
    }

    public async Task RebootAsync(RemoteCommand rebootCommand, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rebootCommand);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (Interlocked.CompareExchange(ref _reboot, gate, null) is { } other)
        {
            await other.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        _inReboot.Value = true;
        try
        {
            // let commands of other operations finish before the connection goes away
            var drainStart = _time.GetTimestamp();
            while (Volatile.Read(ref _inFlight) > 0 && _time.GetElapsedTime(drainStart) < timeout)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), _time, cancellationToken).ConfigureAwait(false);
            }

            await RebootCoreAsync(rebootCommand, timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _inReboot.Value = false;
            Volatile.Write(ref _reboot, null);
            gate.TrySetResult();
        }
    }

    private async Task RebootCoreAsync(RemoteCommand rebootCommand, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        TimeSpan Remaining() => timeout - _time.GetElapsedTime(start);
        _log.Progress($"reboot {NodeName}", "rebooting");
        var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var issued = await RunAsync(rebootCommand.WithTimeout(Clamp(Remaining(), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60))), cancellationToken).ConfigureAwait(false);
            if (!issued.Succeeded && issued.ExitCode != TimedOutExitCode && connection.IsConnected)
            {
                throw OperationFailed(
                    $"Unable to reboot: `{rebootCommand.RenderForLog()}` failed with exit code {issued.ExitCode}: {FirstLine(issued.StandardError, issued.ExitCode)}.",
                    "Reboot the node by hand, then run apply again.");
            }
        }
        catch (NodeConnectionException e) when (e.DroppedMidCommand)
        {
            // Expected: the node went down under us.
        }

        // Wait until the old connection is gone (a real node keeps sshd up for a few seconds while it shuts down).
        while (Remaining() > TimeSpan.Zero && await IsAliveAsync(connection, Clamp(Remaining(), TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5)), cancellationToken).ConfigureAwait(false))
        {
            await Task.Delay(Clamp(Remaining(), TimeSpan.Zero, _options.RebootPollInterval), _time, cancellationToken).ConfigureAwait(false);
        }

        Invalidate(connection);
        _log.Progress($"reboot {NodeName}", "waiting for the node to come back");
        Exception? last = null;
        while (Remaining() > TimeSpan.Zero)
        {
            try
            {
                await GetConnectionAsync(Remaining(), cancellationToken).ConfigureAwait(false);
                _log.Write(LogLevel.Info, $"ssh {NodeName}: back after reboot in {_time.GetElapsedTime(start).TotalSeconds:F1} s");
                return;
            }
            catch (NodeConnectionException e) when (!e.HostKeyMismatch && !e.OperationFailed)
            {
                last = e;
            }
        }

        throw new NodeConnectionException(
            $"Node did not come back within {timeout.TotalSeconds:F0} s after `{rebootCommand.RenderForLog()}` ({_node.Host}:{_node.Port} does not accept SSH connections).",
            last ?? new TimeoutException())
        {
            NodeName = NodeName,
            RebootTimedOut = true,
            Remedy = "Check the node's console (it may wait at a boot prompt or have failed to boot the new kernel). Once it is up, run apply again; every step checks what is already done.",
        };
    }

    public async Task<IAsyncDisposable> LockAsync(string name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name) || !LockName().IsMatch(name))
        {
            throw new ArgumentException("Lock names are 1-64 letters, digits, '.', '_' or '-'.", nameof(name));
        }

        var gate = _locks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var lockPath = $"/run/lock/vgpuiac-{name}.lock";
            var lockTimeout = _options.NodeLockTimeout;
            var command = RemoteCommand.Of("sh", "-c", LockScript, "vgpuiac-lock", lockPath, Math.Max(1, (long)lockTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
            SshCommand ssh;
            Task execution;
            try
            {
                ssh = connection.Client.CreateCommand(command.Render());
                execution = ssh.ExecuteAsync(CancellationToken.None);
            }
            catch (Exception e) when (IsConnectionLoss(e))
            {
                Invalidate(connection);
                connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
                ssh = connection.Client.CreateCommand(command.Render());
                execution = ssh.ExecuteAsync(CancellationToken.None);
            }

            var input = ssh.CreateInputStream();
            var started = _time.GetTimestamp();
            try
            {
                var locked = await WaitForLineAsync(ssh.OutputStream, "locked", execution, cancellationToken).ConfigureAwait(false);
                if (!locked)
                {
                    string error;
                    try
                    {
                        await execution.ConfigureAwait(false);
                        error = ssh.Error;
                    }
                    catch (Exception e) when (e is SshException or ObjectDisposedException or InvalidOperationException)
                    {
                        error = e.Message;
                    }

                    if (ssh.ExitStatus == 75)
                    {
                        throw OperationFailed(
                            $"Unable to take the node lock {lockPath}: another apply (or an operation it started) has held it for more than {lockTimeout.TotalMinutes:F0} min.",
                            $"Check what runs on the node (`fuser -v {lockPath}`, `ps -ef`); wait for it to finish or stop it, then run apply again.");
                    }

                    throw OperationFailed($"Unable to take the node lock {lockPath}: {FirstLine(error, ssh.ExitStatus ?? -1)}.", "Check that `flock` (util-linux) is installed on the node.");
                }
            }
            catch
            {
                await input.DisposeAsync().ConfigureAwait(false);
                ssh.Dispose();
                throw;
            }

            _log.Write(LogLevel.Debug, $"ssh {NodeName}: lock {name} taken after {_time.GetElapsedTime(started).TotalMilliseconds:F0} ms");
            return new NodeLock(this, name, gate, ssh, input, execution);
        }
        catch
        {
            gate.Release();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _connectGate.WaitAsync().ConfigureAwait(false);
        try
        {
            Interlocked.Exchange(ref _connection, null)?.Dispose();
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>Runs a command; <paramref name="writeInput"/> streams standard input when given (else <see cref="RemoteCommand.StandardInput"/>).</summary>
    private async Task<RawResult> ExecuteAsync(RemoteCommand command, Func<Stream, CancellationToken, Task>? writeInput, CancellationToken cancellationToken)
    {
        var counted = false;
        if (!_inReboot.Value)
        {
            // Terraform applies resources in parallel: while one of them reboots the node, the others wait here
            // and continue on the new connection, instead of failing with a dropped connection.
            while (Volatile.Read(ref _reboot) is { } reboot)
            {
                await reboot.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            Interlocked.Increment(ref _inFlight);
            counted = true;
        }

        // sshd allows MaxSessions (default 10) channels per connection; stay below it and queue the rest.
        try
        {
            await _channels.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await ExecuteOnChannelAsync(command, writeInput, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _channels.Release();
            }
        }
        finally
        {
            if (counted)
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }

    private async Task<RawResult> ExecuteOnChannelAsync(
        RemoteCommand command,
        Func<Stream, CancellationToken, Task>? writeInput,
        CancellationToken cancellationToken,
        bool stopOnCancel = true)
    {
        var hasInput = writeInput is not null || command.StandardInput is { IsEmpty: false };

        // The session id lets us stop the whole command (children included) on cancel or timeout, since sshd does not
        // kill a command when its channel closes. SSH.NET only sends EOF after data, so commands without input read /dev/null.
        var text = SessionIdPrefix + command.Render() + (hasInput ? string.Empty : " </dev/null");
        var timeout = command.Timeout ?? _options.DefaultCommandTimeout;
        var start = _time.GetTimestamp();
        for (var attempt = 0; ; attempt++)
        {
            var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
            using var timeoutCts = new CancellationTokenSource(timeout, _time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
            SshCommand ssh;
            Task execution;
            try
            {
                ssh = connection.Client.CreateCommand(text, Encoding.UTF8);
                execution = ssh.ExecuteAsync(linked.Token);
            }
            catch (Exception e) when (IsConnectionLoss(e))
            {
                // Nothing started on the node: the connection was already gone. Reconnect once and try again.
                Invalidate(connection);
                if (attempt == 0)
                {
                    _log.Write(LogLevel.Debug, $"ssh {NodeName}: connection lost between commands ({e.Message}); reconnecting");
                    continue;
                }

                throw new NodeConnectionException($"Unable to start `{command.RenderForLog()}` on {_node.Endpoint}: {e.Message}", e)
                {
                    NodeName = NodeName,
                    Remedy = "Check that the node is up and reachable, then run apply again.",
                };
            }

            using (ssh)
            {
                var stderr = new StreamCollector(ssh.ExtendedOutputStream);
                var stdout = new StreamCollector(ssh.OutputStream);
                var inputTask = Task.CompletedTask;
                if (hasInput)
                {
                    var input = ssh.CreateInputStream();
                    inputTask = Task.Run(
                        async () =>
                        {
                            try
                            {
                                if (writeInput is not null)
                                {
                                    await writeInput(input, linked.Token).ConfigureAwait(false);
                                }
                                else
                                {
                                    await input.WriteAsync(command.StandardInput!.Value, linked.Token).ConfigureAwait(false);
                                }
                            }
                            finally
                            {
                                await input.DisposeAsync().ConfigureAwait(false);
                            }
                        },
                        CancellationToken.None);
                }

                var timedOut = false;
                try
                {
                    await execution.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    _log.Write(LogLevel.Debug, $"ssh {NodeName}: cancelled `{command.RenderForLog()}` after {_time.GetElapsedTime(start).TotalMilliseconds:F0} ms");
                    await ObserveAsync(inputTask).ConfigureAwait(false);
                    if (stopOnCancel)
                    {
                        await StopSessionAsync(stderr.SessionId()).ConfigureAwait(false);
                    }

                    throw;
                }
                catch (Exception e) when (e is OperationCanceledException or SshOperationTimeoutException && timeoutCts.IsCancellationRequested)
                {
                    timedOut = true;
                    if (stopOnCancel)
                    {
                        await StopSessionAsync(stderr.SessionId()).ConfigureAwait(false);
                    }
                }
                catch (Exception e) when (IsConnectionLoss(e) || !connection.IsConnected)
                {
                    Invalidate(connection);
                    await ObserveAsync(inputTask).ConfigureAwait(false);
                    throw Dropped(command, e);
                }

                var inputError = await ObserveAsync(inputTask).ConfigureAwait(false);
                if (writeInput is not null && inputError is not null and not OperationCanceledException && ssh.ExitStatus == 0)
                {
                    // The command finished although we could not send all input: report it rather than pretend success.
                    throw OperationFailed($"Unable to send input to `{command.RenderForLog()}`: {inputError.Message}", "Run apply again.");
                }

                if (!timedOut && ssh.ExitStatus is null && ssh.ExitSignal is null)
                {
                    // The channel closed without an exit status: the session died under the command.
                    Invalidate(connection);
                    throw Dropped(command, null);
                }

                var outputBytes = await stdout.CompleteAsync().ConfigureAwait(false);
                var errorBytes = StripSessionId(await stderr.CompleteAsync().ConfigureAwait(false));
                var exitCode = timedOut ? TimedOutExitCode : ssh.ExitStatus ?? 128 + SignalNumber(ssh.ExitSignal);
                if (timedOut)
                {
                    errorBytes = [.. errorBytes, .. Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\nvgpuiac: command timed out after {timeout.TotalSeconds:F0} s and was stopped\n"))];
                }

                var duration = _time.GetElapsedTime(start);
                if (_log.IsEnabled(LogLevel.Debug))
                {
                    _log.Write(
                        LogLevel.Debug,
                        $"ssh {NodeName}: {command.RenderForLog()}",
                        [
                            new("node", NodeName),
                            new("exit_code", exitCode),
                            new("duration_ms", (long)duration.TotalMilliseconds),
                            new("mutating", command.Mutating),
                        ]);
                }

                return new RawResult(exitCode, outputBytes, errorBytes, duration);
            }
        }
    }

    /// <summary>Stops every process of a command's SSH session (TERM, then KILL), from a separate channel.</summary>
    private async Task StopSessionAsync(int? sessionId)
    {
        if (sessionId is not { } sid || sid <= 1)
        {
            return;
        }

        try
        {
            var stop = RemoteCommand.Of("sh", "-c", StopSessionScript, "vgpuiac-stop", sid.ToString(CultureInfo.InvariantCulture))
                .WithTimeout(TimeSpan.FromSeconds(10));
            await ExecuteOnChannelAsync(stop, null, CancellationToken.None, stopOnCancel: false).ConfigureAwait(false);
        }
        catch (NodeConnectionException e)
        {
            _log.Write(LogLevel.Debug, $"ssh {NodeName}: could not stop session {sid}: {e.Message}");
        }
    }

    private static byte[] StripSessionId(byte[] stderr)
    {
        var marker = "vgpuiac-sid:"u8;
        if (!stderr.AsSpan().StartsWith(marker))
        {
            return stderr;
        }

        var newline = stderr.AsSpan().IndexOf((byte)'\n');
        return newline < 0 ? [] : stderr[(newline + 1)..];
    }

    private RemoteCommand WriteCommand(string path, int mode, string owner, string group, bool createParents, string? expectedSha256)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return RemoteCommand.Of(
                "sh",
                "-c",
                WriteScript,
                "vgpuiac-write",
                path,
                Convert.ToString(mode & 0xFFF, 8).PadLeft(4, '0'),
                owner,
                group,
                createParents ? "1" : "0",
                expectedSha256 ?? string.Empty)
            .AsMutating();
    }

    private Task<SshConnection> GetConnectionAsync(CancellationToken cancellationToken) =>
        GetConnectionAsync(_node.ConnectTimeout, cancellationToken);

    private async Task<SshConnection> GetConnectionAsync(TimeSpan budget, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var current = Volatile.Read(ref _connection);
        if (current is not null && current.IsConnected)
        {
            return current;
        }

        await _connectGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            current = _connection;
            if (current is not null && current.IsConnected)
            {
                return current;
            }

            if (current is not null)
            {
                _connection = null;
                current.Dispose();
            }

            var connection = await SshConnection.OpenAsync(_node, _options, _log, _time, budget, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _connectionsOpened);
            Volatile.Write(ref _connection, connection);
            return connection;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    private void Invalidate(SshConnection connection)
    {
        if (Interlocked.CompareExchange(ref _connection, null, connection) == connection)
        {
            connection.Dispose();
        }
    }

    private async Task<bool> IsAliveAsync(SshConnection connection, TimeSpan probeTimeout, CancellationToken cancellationToken)
    {
        if (!connection.IsConnected)
        {
            return false;
        }

        try
        {
            using var probeCts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            probeCts.CancelAfter(probeTimeout);
            using var probe = connection.Client.CreateCommand("true");
            await probe.ExecuteAsync(probeCts.Token).ConfigureAwait(false);
            return probe.ExitStatus is not null && connection.IsConnected;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private NodeConnectionException Dropped(RemoteCommand command, Exception? inner) =>
        new($"The connection to {_node.Endpoint} dropped while `{command.RenderForLog()}` was running{(inner is null ? string.Empty : ": " + inner.Message)}.", inner ?? new SshConnectionException("channel closed without exit status"))
        {
            NodeName = NodeName,
            DroppedMidCommand = true,
            Remedy = "Its effect on the node is unknown. Check that the node is up, then run apply again: every step checks what is already done.",
        };

    private NodeConnectionException OperationFailed(string message, string remedy) =>
        new(message) { NodeName = NodeName, OperationFailed = true, Remedy = remedy };

    internal static bool IsConnectionLoss(Exception e) =>
        e is SshConnectionException or SocketException or ObjectDisposedException or IOException or ProxyException
        || (e is SshException && e.Message.Contains("not connected", StringComparison.OrdinalIgnoreCase))
        || (e is InvalidOperationException && e.Message.Contains("not connected", StringComparison.OrdinalIgnoreCase));

    private static async Task<Exception?> ObserveAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Reads stream lines until <paramref name="line"/>; false when the stream ends or the command exits first.</summary>
    private static async Task<bool> WaitForLineAsync(Stream stream, string line, Task execution, CancellationToken cancellationToken)
    {
        var seen = new StringBuilder();
        var buffer = new byte[256];
        while (true)
        {
            var read = Task.Run(() => stream.Read(buffer, 0, buffer.Length), CancellationToken.None);
            var cancelled = Task.Delay(Timeout.Infinite, cancellationToken);
            var first = await Task.WhenAny(read, cancelled).ConfigureAwait(false);
            if (first == cancelled)
            {
                _ = read.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                cancellationToken.ThrowIfCancellationRequested();
            }

            int count;
            try
            {
                count = await read.ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                count = 0;
            }

            if (count == 0)
            {
                return false;
            }

            seen.Append(Encoding.UTF8.GetString(buffer, 0, count));
            if (seen.ToString().Split('\n').Any(l => string.Equals(l.Trim(), line, StringComparison.Ordinal)))
            {
                return true;
            }

            if (execution.IsCompleted && count == 0)
            {
                return false;
            }
        }
    }

    private static string Decode(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    private static string FirstLine(string text, int exitCode)
    {
        var line = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return string.IsNullOrEmpty(line) ? $"exit code {exitCode}" : line;
    }

    private static int SignalNumber(string? signal) => signal switch
    {
        "HUP" => 1,
        "INT" => 2,
        "QUIT" => 3,
        "ILL" => 4,
        "ABRT" => 6,
        "FPE" => 8,
        "KILL" => 9,
        "USR1" => 10,
        "SEGV" => 11,
        "USR2" => 12,
        "PIPE" => 13,
        "ALRM" => 14,
        "TERM" => 15,
        _ => 0,
    };

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) =>
        value < min ? min : value > max ? max : value;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex LockName();

    private sealed record RawResult(int ExitCode, byte[] StandardOutput, byte[] StandardError, TimeSpan Duration);

    /// <summary>A held node lock: the in-process gate plus an open <c>flock</c> session on the node.</summary>
    private sealed class NodeLock(SshRemoteShell shell, string name, SemaphoreSlim gate, SshCommand command, Stream input, Task execution) : IAsyncDisposable
    {
        private int _released;

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            try
            {
                // A line on stdin ends `read`, so the node-side flock is released (SSH.NET sends no EOF without data).
                await input.WriteAsync("release\n"u8.ToArray()).ConfigureAwait(false);
                await input.DisposeAsync().ConfigureAwait(false);
                await execution.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SshException or TimeoutException or ObjectDisposedException or IOException or InvalidOperationException or OperationCanceledException)
            {
                // Connection gone: the node released the lock with the session.
                shell._log.Write(LogLevel.Debug, $"ssh {shell.NodeName}: lock {name} released with the session ({e.Message})");
            }
            finally
            {
                command.Dispose();
                gate.Release();
            }
        }
    }
}
