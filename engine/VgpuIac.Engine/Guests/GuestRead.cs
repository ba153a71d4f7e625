using VgpuIac.Engine.Host;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// The read path of <c>vgpu_guest</c> (refresh, import, the create plan's look at the vmid). What the node itself knows about
/// the VM (its config, running or stopped) comes from the node's <see cref="VmSnapshot"/>: one round trip and one <c>qm</c>
/// process per node, shared by every guest read of the provider process and dropped by any change made through the node's
/// shell. The guest agent is asked (<see cref="AgentScript"/>) only for a VM that runs with its agent on and whose
/// <c>guest_setup</c> is not <c>none</c>; those reads run concurrently, each its own command on the node, and a Linux
/// guest's costs one <c>qm</c> process on the node (its probe also lists its addresses).
/// A VM missing from a complete snapshot does not exist; a snapshot that failed, was cut, or could not list the VMs'
/// status is never read as "absent": the VM is then read by itself with <see cref="GuestCommands.Read"/>.
/// </summary>
internal static class GuestRead
{
    /// <summary>
    /// Read-only, on the node: asks the guest agent of a running VM (args vmid setup probe windows-nvidia-smi windows-token;
    /// setup as in <see cref="GuestScripts.Read"/>) and prints the same ### sections. PVE checks that the agent answers before
    /// every agent call, so the first call is the check: only when it fails does one <c>qm agent ping</c> tell an agent that
    /// does not run (the guest was not asked: no section) from a call that failed in the guest (its answer is the section).
    /// On a real node each <c>qm</c> is a ~0.3 s Perl process, so a Linux guest's read is ONE <c>qm guest exec</c>: its probe
    /// also prints the guest's addresses (<c>ip -o -4 addr show</c>, see <see cref="GuestScripts.GuestProbe"/>), and
    /// <c>qm agent network-get-interfaces</c> is asked (after the probe) only when the answer lacks
    /// <see cref="GuestAddresses.IpMarker"/>: a guest without a working <c>ip</c>, or a probe that failed in the guest.
    /// A Windows guest's addresses are asked at the same time as its nvidia-smi.exe (two <c>qm</c> at once, not one after
    /// the other); with guest_ssh only the addresses come from the agent.
    /// </summary>
    public const string AgentScript = $$"""
        set -u
        vmid=$1; setup=$2; probe=$3; winsmi=${4:-}; wintoken=${5:-}
        ask() { qm "$@" </dev/null 2>&1; }
        gone() {
          qm agent "$vmid" ping </dev/null >/dev/null 2>&1 && return 1
          echo "### end"; exit 0
        }
        case $setup in
          agent-windows)
            exec 3< <(qm agent "$vmid" network-get-interfaces </dev/null 2>/dev/null)
            smi=$(ask guest exec "$vmid" -- "$winsmi" -q) || gone
            echo "### guest-windows-smi"; printf '%s\n' "$smi"
            echo "### guest-windows-token"; ask guest exec "$vmid" -- certutil.exe -hashfile "$wintoken" SHA256
            echo "### net"; cat <&3; echo "### end"; exit 0;;
          agent)
            # one qm: the probe lists the guest's addresses itself; the agent's list only when its ip is missing or failed
            out=$(ask guest exec "$vmid" -- sh -c "$probe") || gone
            echo "### guest"; printf '%s\n' "$out"
            case $out in
              *'{{GuestAddresses.IpMarker}}'*) ;;
              *) echo "### net"; qm agent "$vmid" network-get-interfaces </dev/null 2>/dev/null;;
            esac
            echo "### end"; exit 0;;
          net)
            net=$(qm agent "$vmid" network-get-interfaces </dev/null 2>/dev/null) || gone
            echo "### net"; printf '%s\n' "$net"; echo "### end"; exit 0;;
          *) echo "### end"; exit 0;;
        esac
        """;

    /// <summary>The VM and, when its attributes need them, the guest's answers (driver, token, licence, addresses).</summary>
    public static async Task<GuestNodeState> WithGuestAsync(IRemoteShell shell, GuestSpec spec, TimeProvider time, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (await FromSnapshotAsync(shell, spec, time, ct).ConfigureAwait(false) is not { } node)
        {
            return await GuestResource.ReadNodeAsync(shell, spec, ct).ConfigureAwait(false);
        }

        if (!NeedsAgent(node, spec))
        {
            return node;
        }

        var answer = await shell.RunAsync(AgentCommand(spec), ct).ConfigureAwait(false);
        return node.WithGuestAnswers(answer.StandardOutput);
    }

    /// <summary>What the node knows about the VM (config, running), without asking the guest.</summary>
    public static async Task<GuestNodeState> NodeOnlyAsync(IRemoteShell shell, GuestSpec spec, TimeProvider time, CancellationToken ct) =>
        await FromSnapshotAsync(shell, spec, time, ct).ConfigureAwait(false)
        ?? await GuestResource.ReadNodeAsync(shell, spec with { GuestSetup = "none" }, ct).ConfigureAwait(false);

    /// <summary>True when the VM runs with its agent on and <c>guest_setup</c> is not <c>none</c>: only then is the agent asked.</summary>
    public static bool NeedsAgent(GuestNodeState node, GuestSpec spec)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(spec);
        return node.Exists && node.Running && Setup(spec) != "none" && GuestPlanner.AgentEnabled(node.Config?.Get("agent"));
    }

    /// <summary>The agent part of a read (see <see cref="AgentScript"/>).</summary>
    public static RemoteCommand AgentCommand(GuestSpec spec) =>
        RemoteCommand.Script(AgentScript, spec.VmidText, Setup(spec), GuestScripts.GuestProbe, GuestScripts.WindowsNvidiaSmi, GuestScripts.WindowsTokenPath)
            .WithTimeout(GuestCommands.ReadTimeout);

    // with guest_ssh the guest's facts come over SSH (SshGuestChannel); the agent, when it answers, still gives the addresses
    private static string Setup(GuestSpec spec) => spec.GuestSetup != "agent" ? "none" : spec.Ssh is not null ? "net" : spec.IsWindows ? "agent-windows" : "agent";

    /// <summary>The VM from the node's snapshot; null when the snapshot cannot say (failed, cut, no status listing, an unreadable config).</summary>
    private static async Task<GuestNodeState?> FromSnapshotAsync(IRemoteShell shell, GuestSpec spec, TimeProvider time, CancellationToken ct)
    {
        VmSnapshot snapshot;
        try
        {
            snapshot = await VmSnapshotCache.Shared.GetAsync(shell, time, ct).ConfigureAwait(false);
        }
        catch (NodeConnectionException)
        {
            // a listing that stopped early says nothing about this VM: it is read by itself (which fails too when the node is gone)
            return null;
        }

        if (!snapshot.Complete || !snapshot.StatusListed || spec.Vmid is < 1 or > int.MaxValue)
        {
            return null;
        }

        if (snapshot.Find((int)spec.Vmid) is not { } vm)
        {
            // absent only when every config was read; a config that did not decode could be this VM's
            return snapshot.Warnings.IsEmpty ? new GuestNodeState { Exists = false } : null;
        }

        return vm.Config is null || vm.Status is null
            ? null
            : new GuestNodeState { Exists = true, Config = vm.Config, Running = vm.IsRunning };
    }
}
