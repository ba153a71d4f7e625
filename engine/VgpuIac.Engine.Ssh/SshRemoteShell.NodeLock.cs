using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Renci.SshNet;
using Renci.SshNet.Common;
using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Ssh;

/// <summary>Node locks: an in-process gate plus a <c>flock</c> session on the node, with a timeout.</summary>
public sealed partial class SshRemoteShell
{
    private const string LockScript = "mkdir -p /run/lock && exec flock -x -E 75 -w \"$2\" \"$1\" sh -c 'echo locked; read -r _ || true'";

    /// <summary>Lock channels a connection that carries only locks may hold (sshd's and SSH.NET's 10, one spare).</summary>
    private const int LockOnlyChannels = 9;

    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);
    private readonly Lock _overflowGate = new();
    private SshRemoteShell? _lockOverflow;

    /// <summary>
    /// Takes the node lock <paramref name="name"/> (waits while another process or caller holds it, up to
    /// <see cref="SshTransportOptions.NodeLockTimeout"/>). A held lock keeps a channel open: the first
    /// <see cref="SshTransportOptions.MaxLockChannels"/> on this connection, the others on a second connection of the node that
    /// carries only locks, so that commands always find a channel.
    /// </summary>

    public async Task<IAsyncDisposable> LockAsync(string name, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name) || !LockName().IsMatch(name))
        {
            throw new ArgumentException("Lock names are 1-64 letters, digits, '.', '_' or '-'.", nameof(name));
        }

        var gate = _locks.GetOrAdd(name, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (!_lockOnly && !_lockChannels.Wait(0))
        {
            try
            {
                var held = await LockOverflow().LockAsync(name, cancellationToken).ConfigureAwait(false);
                return new OverflowLock(held, gate);
            }
            catch
            {
                gate.Release();
                throw;
            }
        }

        var channelTaken = !_lockOnly;
        try
        {
            if (!channelTaken)
            {
                await _lockChannels.WaitAsync(cancellationToken).ConfigureAwait(false);
                channelTaken = true;
            }

            var lockPath = $"/run/lock/vgpuiac-{name}.lock";
            var lockTimeout = _options.NodeLockTimeout;
            var command = RemoteCommand.Of("sh", "-c", LockScript, "vgpuiac-lock", lockPath, Math.Max(1, (long)lockTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture));
            var (_, ssh, execution) = await StartCommandAsync(command.Render(), command.RenderForLog(), CancellationToken.None, cancellationToken).ConfigureAwait(false);
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
            if (channelTaken)
            {
                _lockChannels.Release();
            }

            gate.Release();
            throw;
        }
    }

    /// <summary>The second connection of this node, for locks only (opened on first use, closed with this shell).</summary>
    private SshRemoteShell LockOverflow()
    {
        lock (_overflowGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _lockOverflow ??= new SshRemoteShell(_node, _log, _options with { MaxConcurrentChannels = 1, MaxLockChannels = LockOnlyChannels }, _time, lockOnly: true);
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

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex LockName();

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
                shell._lockChannels.Release();
                gate.Release();
            }
        }
    }

    /// <summary>A lock held on the lock-only connection; releasing it also frees this shell's in-process gate of the name.</summary>
    private sealed class OverflowLock(IAsyncDisposable held, SemaphoreSlim gate) : IAsyncDisposable
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
                await held.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                gate.Release();
            }
        }
    }
}
