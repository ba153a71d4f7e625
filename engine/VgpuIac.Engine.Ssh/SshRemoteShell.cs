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

    // Prints this command's session id (field 6 of /proc/$$/stat) as the first stderr line; stripped from results.
    private const string SessionIdPrefix = "read -r _ _ _ _ _ vgpuiac_sid _ </proc/$$/stat; echo \"vgpuiac-sid:$vgpuiac_sid\" >&2; ";

    private const string StopSessionScript = "pkill -TERM -s \"$1\" || exit 0; sleep 1; pkill -KILL -s \"$1\"; exit 0";

    private readonly NodeSettings _node;
    private readonly SshTransportOptions _options;
    private readonly IEngineLog _log;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _connectGate = new(1, 1);

    private readonly SemaphoreSlim _channels;
    private readonly SemaphoreSlim _lockChannels;
    private readonly bool _lockOnly;
    private SshConnection? _connection;
    private int _connectionsOpened;
    private bool _disposed;

    /// <summary>A shell on <paramref name="node"/>; the connection opens on first use.</summary>
    public SshRemoteShell(NodeSettings node, IEngineLog log, SshTransportOptions? options = null, TimeProvider? time = null)
        : this(node, log, options, time, lockOnly: false)
    {
    }

    private SshRemoteShell(NodeSettings node, IEngineLog log, SshTransportOptions? options, TimeProvider? time, bool lockOnly)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(log);
        _node = node;
        _log = log;
        _options = options ?? SshTransportOptions.Default;
        _time = time ?? TimeProvider.System;
        _channels = new SemaphoreSlim(Math.Max(1, _options.MaxConcurrentChannels));
        _lockChannels = new SemaphoreSlim(Math.Max(1, _options.MaxLockChannels));
        _lockOnly = lockOnly;
    }

    /// <inheritdoc/>
    public string NodeName => _node.Name;

    /// <summary>The node this shell connects to (address, user, key, pinned host key).</summary>
    public NodeSettings Settings => _node;

    /// <summary>How many SSH connections this shell has opened so far (1 unless a connection was lost).</summary>
    public int ConnectionsOpened => Volatile.Read(ref _connectionsOpened);

    /// <summary>Key exchange of the current connection (e.g. <c>curve25519-sha256</c>), null when not connected.</summary>
    public string? KeyExchangeAlgorithm => Volatile.Read(ref _connection)?.Client.ConnectionInfo.CurrentKeyExchangeAlgorithm;

    /// <summary>Opens the connection now (otherwise it opens on first use).</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken) =>
        await GetConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc/>
    public async Task<RemoteResult> RunAsync(RemoteCommand command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        var raw = await ExecuteAsync(command, null, cancellationToken).ConfigureAwait(false);
        return new RemoteResult(raw.ExitCode, Decode(raw.StandardOutput), Decode(raw.StandardError), raw.Duration);
    }

    /// <summary>Closes the node's connections (the lock-only one too); held locks are released with them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        SshRemoteShell? overflow;
        lock (_overflowGate)
        {
            overflow = _lockOverflow;
        }

        if (overflow is not null)
        {
            await overflow.DisposeAsync().ConfigureAwait(false);
        }

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
        using var timeoutCts = new CancellationTokenSource(timeout, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        var (connection, ssh, execution) = await StartCommandAsync(text, command.RenderForLog(), linked.Token, cancellationToken).ConfigureAwait(false);
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

    /// <summary>
    /// Starts <paramref name="text"/> on the shared connection. When the connection turns out to be gone before the command
    /// started (so nothing ran on the node), reconnects once and starts it again: the transport's one reconnect-once rule,
    /// used by every command and by node locks. A connection lost after the start is the caller's to report.
    /// </summary>
    private async Task<(SshConnection Connection, SshCommand Command, Task Execution)> StartCommandAsync(
        string text, string shownAs, CancellationToken executionToken, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var connection = await GetConnectionAsync(cancellationToken).ConfigureAwait(false);
            SshCommand? ssh = null;
            try
            {
                ssh = connection.Client.CreateCommand(text, Encoding.UTF8);
                return (connection, ssh, ssh.ExecuteAsync(executionToken));
            }
            catch (Exception e) when (IsConnectionLoss(e))
            {
                ssh?.Dispose();
                Invalidate(connection);
                if (attempt > 0)
                {
                    throw new NodeConnectionException($"Unable to start `{shownAs}` on {_node.Endpoint}: {e.Message}", e)
                    {
                        NodeName = NodeName,
                        Remedy = "Check that the node is up and reachable, then run apply again.",
                    };
                }

                _log.Write(LogLevel.Debug, $"ssh {NodeName}: connection lost between commands ({e.Message}); reconnecting");
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

    private sealed record RawResult(int ExitCode, byte[] StandardOutput, byte[] StandardError, TimeSpan Duration);

}
