using VgpuIac.Engine.Logging;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Ssh;

/// <summary>Reboot coordination: the reboot itself, the wait for the node, and holding back other operations' commands meanwhile.</summary>
public sealed partial class SshRemoteShell
{
    /// <summary>Set while a reboot is under way: other operations' commands wait for it instead of dying with the connection.</summary>
    private TaskCompletionSource? _reboot;

    /// <summary>True in the async flow that performs the reboot (its own commands must not wait for it).</summary>
    private readonly AsyncLocal<bool> _inReboot = new();

    /// <summary>Commands running now, outside the rebooting flow.</summary>
    private int _inFlight;

    /// <inheritdoc/>
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
}
