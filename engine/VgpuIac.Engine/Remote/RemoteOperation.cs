using System.Globalization;

namespace VgpuIac.Engine.Remote;

/// <summary>
/// A long mutating command (an installer, an uninstaller) run on the node as its own detached process, not as a child of
/// the SSH session: it holds the operation lock <c>/run/lock/vgpuiac-op-&lt;name&gt;.lock</c> (<c>flock</c> on a file
/// descriptor its own runner process keeps open) for as long as it runs there, and writes its exit status, output and
/// error into <c>/var/lib/vgpu-iac/ops/&lt;name&gt;/</c> when it ends. A provider that is killed, or whose connection
/// drops, leaves the operation running; the next apply waits for it (<see cref="AwaitIdleAsync"/>) instead of starting
/// a second one, and then reads what it left on the node. Only one operation of a name runs on a node at a time.
/// Not for secrets: the command's arguments are visible in <c>ps</c> on the node.
/// </summary>
internal static class RemoteOperation
{
    /// <summary>Folder of the operations' status files on the node (persistent: they outlive a reboot).</summary>
    public const string StateDirectory = "/var/lib/vgpu-iac/ops";

    /// <summary>First words of every line this mechanism writes to standard error.</summary>
    public const string Marker = "vgpuiac-op:";

    private const string NotFinishedMarker = "vgpuiac-op: not finished";

    private const string BusyMarker = "vgpuiac-op: busy";

    // $1 name, $2 operation id, $3... the command. Takes the operation lock on fd 9 and hands fd 9 to a runner in its own
    // session (setsid), so neither the end of this SSH session nor a dropped connection releases the lock or stops the
    // command; the runner closes fd 9 only for the command itself (daemons it may start never inherit the lock).
    private const string StartScript = """
        set -u
        name=$1 id=$2; shift 2
        dir=/var/lib/vgpu-iac/ops/$name lock=/run/lock/vgpuiac-op-$name.lock
        mkdir -p /run/lock && mkdir -p -m 0700 -- "$dir" || exit 1
        exec 9>>"$lock" || exit 1
        if ! flock -n 9; then echo "vgpuiac-op: busy: operation $(cat -- "$dir/id" 2>/dev/null) of $name is still running on the node" >&2; exit 75; fi
        rm -f -- "$dir/status" "$dir/out" "$dir/err"
        printf '%s\n' "$id" > "$dir/id.tmp" && mv -f -- "$dir/id.tmp" "$dir/id" || exit 1
        setsid bash -c 'd=$1; shift; "$@" >"$d/out" 2>"$d/err" </dev/null 9>&-; rc=$?; printf "%s\n" "$rc" >"$d/status.tmp"; mv -f -- "$d/status.tmp" "$d/status"' vgpuiac-op "$dir" "$@" </dev/null >/dev/null 2>&1 &
        echo "vgpuiac-op: started $!"
        """;

    // $1 name, $2 operation id (empty: any), $3 seconds. Waits (flock, no polling) until no operation of that name runs;
    // then, for a given id, prints its output and exits with its status.
    private const string WaitScript = """
        set -u
        name=$1 id=$2 secs=$3
        dir=/var/lib/vgpu-iac/ops/$name lock=/run/lock/vgpuiac-op-$name.lock
        mkdir -p /run/lock || exit 1
        flock -E 75 -w "$secs" "$lock" true
        rc=$?
        if [ $rc = 75 ]; then echo "vgpuiac-op: not finished: operation $(cat -- "$dir/id" 2>/dev/null) of $name is still running on the node after $secs s" >&2; exit 75; fi
        [ $rc = 0 ] || exit $rc
        [ -n "$id" ] || exit 0
        if [ "$(cat -- "$dir/id" 2>/dev/null)" != "$id" ]; then echo "vgpuiac-op: operation $id of $name is unknown on the node (another operation replaced it)" >&2; exit 76; fi
        if [ ! -f "$dir/status" ]; then echo "vgpuiac-op: operation $id of $name ended without an exit status (the node rebooted or the operation was killed)" >&2; exit 76; fi
        cat -- "$dir/out" 2>/dev/null; cat -- "$dir/err" >&2 2>/dev/null
        exit "$(cat -- "$dir/status")"
        """;

    /// <summary>The command that starts <paramref name="command"/> detached under the operation lock <paramref name="name"/>.</summary>
    public static RemoteCommand Start(string name, string operationId, RemoteCommand command)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(operationId);
        ArgumentNullException.ThrowIfNull(command);
        if (command.StandardInput is not null || !command.SensitiveArguments.IsEmpty)
        {
            throw new ArgumentException("A detached operation takes no standard input and no secret arguments.", nameof(command));
        }

        var start = RemoteCommand.Script(StartScript, name, operationId, command.Program).AsMutating().WithTimeout(TimeSpan.FromMinutes(1));
        foreach (var a in command.Arguments)
        {
            start = start.WithArgument(a);
        }

        return start;
    }

    /// <summary>The command that waits up to <paramref name="timeout"/> for the operation (any operation when <paramref name="operationId"/> is empty).</summary>
    public static RemoteCommand Wait(string name, string operationId, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var seconds = Math.Max(1, (long)Math.Ceiling(timeout.TotalSeconds));
        return RemoteCommand.Script(WaitScript, name, operationId, seconds.ToString(CultureInfo.InvariantCulture))
            .WithTimeout(TimeSpan.FromSeconds(seconds) + TimeSpan.FromMinutes(1));
    }

    /// <summary>True when the result says the operation had not finished when the wait ended.</summary>
    public static bool StillRunning(RemoteResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result.ExitCode == 75 && (result.StandardError.Contains(NotFinishedMarker, StringComparison.Ordinal) || result.StandardError.Contains(BusyMarker, StringComparison.Ordinal));
    }

    /// <summary>
    /// Waits until no operation <paramref name="name"/> runs on the node (one left by an earlier, killed or disconnected
    /// apply). Returns false when one still runs after <paramref name="timeout"/>; true when the node is idle.
    /// A dropped connection is retried while time is left.
    /// </summary>
    public static async Task<bool> AwaitIdleAsync(IRemoteShell shell, string name, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(time);
        var result = await WaitAsync(shell, name, string.Empty, timeout, time, cancellationToken).ConfigureAwait(false);
        if (StillRunning(result))
        {
            return false;
        }

        if (!result.Succeeded)
        {
            throw new NodeConnectionException($"Unable to check for a running {name} operation: {result.StandardError.Trim()} (exit {result.ExitCode}).")
            {
                NodeName = shell.NodeName,
                OperationFailed = true,
                Remedy = "Check that `flock` and `setsid` (util-linux) are installed on the node and that /run/lock is writable, then run apply again.",
            };
        }

        return true;
    }

    /// <summary>
    /// Runs <paramref name="command"/> as operation <paramref name="name"/> and waits for it (up to the command's timeout).
    /// The result is the operation's own exit status and output. When the wait ends first (timeout, cancellation) the
    /// operation keeps running on the node: the result is <see cref="StillRunning"/> (cancellation throws as usual).
    /// A connection dropped while waiting is re-established and the wait goes on; the operation itself never restarts.
    /// </summary>
    public static async Task<RemoteResult> RunAsync(IRemoteShell shell, string name, RemoteCommand command, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(time);
        var id = Guid.NewGuid().ToString("N");
        var started = await shell.RunAsync(Start(name, id, command), cancellationToken).ConfigureAwait(false);
        if (!started.Succeeded)
        {
            return started;
        }

        return await WaitAsync(shell, name, id, command.Timeout ?? TimeSpan.FromMinutes(30), time, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<RemoteResult> WaitAsync(IRemoteShell shell, string name, string id, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var begin = time.GetTimestamp();
        while (true)
        {
            var left = timeout - time.GetElapsedTime(begin);
            try
            {
                return await shell.RunAsync(Wait(name, id, left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1)), cancellationToken).ConfigureAwait(false);
            }
            catch (NodeConnectionException e) when (e.DroppedMidCommand && time.GetElapsedTime(begin) < timeout)
            {
                // Waiting has no effect on the node: wait again (the shell reconnects for the next command; a node that
                // stays unreachable ends this with the connect failure).
            }
        }
    }
}
