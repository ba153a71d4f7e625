using System.Globalization;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Resources;

/// <summary>
/// A create's claim on a vmid of a node (VMs and containers share vmids), so that an apply adopts only an object that a
/// create left unfinished, never one another apply has just made and keeps in its own state. While it runs, a create holds
/// the node lock <c>create-VMID</c> (released when the SSH session ends, so a killed provider frees it) and the marker
/// <c>/var/lib/vgpu-iac/creating/VMID</c>, written before anything is created and removed once the object is handed to a
/// state (the apply returned it). An object with our mark is therefore:
/// in progress (the lock is held), abandoned (marker, no lock: adopt and finish it), or another state's (no marker).
/// </summary>
internal sealed class CreationClaim : IAsyncDisposable
{
    private const string MarkerDirectory = "/var/lib/vgpu-iac/creating";

    // $1 vmid: none | in-progress | abandoned. flock -n fails while another session holds the lock (read-only otherwise:
    // a lock file that does not exist is not created).
    private const string ProbeScript = """
        m=/var/lib/vgpu-iac/creating/$1 l=/run/lock/vgpuiac-create-$1.lock
        if [ ! -e "$m" ]; then echo none
        elif [ -e "$l" ] && ! flock -n "$l" true 2>/dev/null; then echo in-progress
        else echo abandoned; fi
        """;

    private readonly IRemoteShell _shell;
    private readonly IAsyncDisposable _lock;
    private readonly string _vmid;

    private CreationClaim(IRemoteShell shell, IAsyncDisposable nodeLock, string vmid, bool abandoned)
    {
        _shell = shell;
        _lock = nodeLock;
        _vmid = vmid;
        Abandoned = abandoned;
    }

    /// <summary>True when an earlier create's marker was there when the claim was taken (that create was interrupted).</summary>
    public bool Abandoned { get; }

    /// <summary>For a plan (read-only): whether a create at <paramref name="vmid"/> is running, was interrupted, or neither.</summary>
    public static async Task<CreationStatus> ProbeAsync(IRemoteShell shell, long vmid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var r = await shell.RunAsync(RemoteCommand.Script(ProbeScript, Text(vmid)), cancellationToken).ConfigureAwait(false);
        return r.StandardOutput.Trim() switch
        {
            "in-progress" => CreationStatus.InProgress,
            "abandoned" => CreationStatus.Abandoned,
            _ => CreationStatus.None,
        };
    }

    /// <summary>For an apply that creates: takes the lock (waits for another create at the vmid to end) and reads the marker.</summary>
    public static async Task<CreationClaim> TakeAsync(IRemoteShell shell, long vmid, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var nodeLock = await shell.LockAsync("create-" + Text(vmid), cancellationToken).ConfigureAwait(false);
        try
        {
            var status = await ProbeAsync(shell, vmid, cancellationToken).ConfigureAwait(false);
            return new CreationClaim(shell, nodeLock, Text(vmid), status != CreationStatus.None);
        }
        catch
        {
            await nodeLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Writes the marker: from now on, an interrupted create leaves an object the next apply may finish.</summary>
    public Task MarkAsync(CancellationToken cancellationToken) =>
        _shell.RunAsync(RemoteCommand.Of("sh", "-c", $"mkdir -p {MarkerDirectory} && date +%s > {MarkerDirectory}/\"$1\"", "vgpuiac-claim", _vmid).AsMutating(), cancellationToken);

    /// <summary>Removes the marker: the object is handed to a state (the apply returns it), so no other apply may adopt it.</summary>
    public Task HandOverAsync(CancellationToken cancellationToken) =>
        _shell.RunAsync(RemoteCommand.Of("rm", "-f", $"{MarkerDirectory}/{_vmid}").AsMutating(), cancellationToken);

    public ValueTask DisposeAsync() => _lock.DisposeAsync();

    private static string Text(long vmid) => vmid.ToString(CultureInfo.InvariantCulture);
}
