using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Resources;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// Guest commands over SSH straight to the guest (<c>guest_ssh_*</c>): the same program and argument list as through the
/// agent, quoted by <see cref="ShellQuote"/>, stdin passed the same way; files are uploaded whole; a reboot is the guest's
/// own <c>reboot</c>, waiting until its SSH answers again. The VM itself is still read and managed with <c>qm</c> on the node
/// (<paramref name="readNode"/>: as in <see cref="AgentGuestChannel"/>).
/// </summary>
internal sealed class SshGuestChannel(ResourceContext context, IRemoteShell node, GuestSpec spec, GuestSshTarget target, Func<CancellationToken, Task<GuestNodeState>>? readNode = null) : IGuestChannel
{
    /// <summary>How long setup waits for the guest's SSH (a VM boots in about a minute).</summary>
    private static readonly TimeSpan SetupConnectTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Reads (refresh, plan) do not wait for a guest that does not answer.</summary>
    private static readonly TimeSpan ReadConnectTimeout = TimeSpan.FromSeconds(10);

    private static readonly AttributePath HostKeyPath = AttributePath.Of("guest_ssh_host_key_sha256");

    private static readonly AttributePath HostPath = AttributePath.Of("guest_ssh_host");

    public string Name => $"SSH to {target.User}@{target.Host}:{target.Port}";

    public async Task<bool> WaitReadyAsync(DiagnosticBag diagnostics, CancellationToken ct)
    {
        if (Shell(SetupConnectTimeout, diagnostics) is not { } shell)
        {
            return false;
        }

        try
        {
            var r = await shell.RunAsync(RemoteCommand.Of("true").WithTimeout(TimeSpan.FromMinutes(1)), ct).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                diagnostics.Error("Unable to run commands in the guest over SSH", $"{Name}: `true` exited with {r.ExitCode}: {r.StandardError.Trim()}. Check the guest's SSH server and the user's shell.", HostPath);
            }

            return r.Succeeded;
        }
        catch (NodeConnectionException e)
        {
            diagnostics.Add(Explain(e)!);
            return false;
        }
    }

    public async Task<GuestNodeState> ReadAsync(CancellationToken ct)
    {
        var state = await (readNode is null ? GuestResource.ReadNodeAsync(node, spec, ct) : readNode(ct)).ConfigureAwait(false);
        if (!state.Exists || !state.Running || spec.GuestSetup != "agent" || Shell(ReadConnectTimeout, new DiagnosticBag()) is not { } shell)
        {
            return state;
        }

        try
        {
            var probe = await shell.RunAsync(RemoteCommand.Of("sh", "-c", GuestScripts.GuestProbe).WithTimeout(TimeSpan.FromMinutes(2)), ct).ConfigureAwait(false);
            var (facts, error) = GuestNodeState.ParseProbe(probe.StandardOutput, probe.ExitCode, probe.StandardError);
            return state with { Guest = facts, GuestError = error };
        }
        catch (NodeConnectionException e)
        {
            // the guest is not reachable now: the state keeps what was applied
            return state with { Guest = null, GuestError = e.Message };
        }
    }

    public async Task<(int ExitCode, string Out, string Err)> ExecAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, bool mutating, CancellationToken ct, ReadOnlyMemory<byte>? input = null)
    {
        var shell = Shell(SetupConnectTimeout, new DiagnosticBag()) ?? throw Unreachable();
        var command = new RemoteCommand { Program = program, Arguments = [.. arguments], Mutating = mutating, Timeout = timeout + TimeSpan.FromSeconds(30) };
        if (input is { } bytes)
        {
            command = command.WithInput(bytes, sensitive: true);
        }

        var r = await shell.RunAsync(command, ct).ConfigureAwait(false);
        return (r.ExitCode, r.StandardOutput, r.StandardError);
    }

    public async Task<string?> CopyIntoAsync(string localPath, string sha256, string guestPath, IProgress<double> progress, CancellationToken ct)
    {
        var shell = Shell(SetupConnectTimeout, new DiagnosticBag()) ?? throw Unreachable();
        try
        {
            await shell.UploadAsync(localPath, guestPath, sha256, progress, ct).ConfigureAwait(false);
            return null;
        }
        catch (NodeConnectionException e) when (e.OperationFailed)
        {
            return $"{Name}: {e.Message} {e.Remedy}".Trim();
        }
    }

    public async Task<bool> RebootAsync(DiagnosticBag diagnostics, CancellationToken ct)
    {
        var shell = Shell(SetupConnectTimeout, diagnostics);
        if (shell is null)
        {
            return false;
        }

        try
        {
            await shell.RebootAsync(RemoteCommand.Of("reboot").AsMutating(), TimeSpan.FromMinutes(10), ct).ConfigureAwait(false);
        }
        catch (NodeConnectionException e)
        {
            diagnostics.Add(Explain(e)!);
            return false;
        }

        return await WaitReadyAsync(diagnostics, ct).ConfigureAwait(false);
    }

    public Diagnostic? Explain(NodeConnectionException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e.NodeName != target.ToSettings(spec.Vmid, SetupConnectTimeout).Name)
        {
            return null;
        }

        if (e.HostKeyMismatch)
        {
            return Diagnostic.Error("Unable to connect to the guest over SSH",
                $"{Name}: {e.Message} Nothing was run in the guest. Check the guest's key on its console (`ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`); " +
                "only if it is the guest's real key, set guest_ssh_host_key_sha256 to it (host keys are never trusted on first use).",
                HostKeyPath);
        }

        return Diagnostic.Error("Unable to reach the guest over SSH",
            $"{Name}: {e.Message} {(e.RebootTimedOut ? "The guest did not come back from its reboot: check its console." : e.Remedy ?? string.Empty)} " +
            "The guest needs an SSH server reachable from where VgpuIac runs; or remove guest_ssh_host to set it up through the QEMU guest agent.",
            HostPath);
    }

    private IRemoteShell? Shell(TimeSpan connectTimeout, DiagnosticBag diagnostics) =>
        context.Nodes.Connect(target.ToSettings(spec.Vmid, connectTimeout), HostPath, diagnostics);

    private NodeConnectionException Unreachable() =>
        new($"The provider cannot open SSH connections to {target.Host}:{target.Port}.", new InvalidOperationException("no transport"))
        {
            NodeName = target.ToSettings(spec.Vmid, SetupConnectTimeout).Name,
        };
}
