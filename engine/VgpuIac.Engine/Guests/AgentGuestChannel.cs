using System.Globalization;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// Guest commands through the QEMU guest agent over the node's connection: <c>qm guest exec VMID [--pass-stdin 1]
/// --timeout N -- PROGRAM ARGS...</c> (PVE passes at most 1 MiB of stdin, so files go in pieces); no guest network needed.
/// <paramref name="readNode"/> reads the VM and the agent's answers (default: the VM by itself, <see cref="GuestResource.ReadNodeAsync"/>;
/// refresh passes <see cref="GuestRead.WithGuestAsync"/>, which takes what the node knows from the node's snapshot).
/// </summary>
internal sealed class AgentGuestChannel(IRemoteShell node, GuestSpec spec, Func<CancellationToken, Task<GuestNodeState>>? readNode = null) : IGuestChannel
{
    public string Name => "the guest agent";

    public Task<bool> WaitReadyAsync(DiagnosticBag diagnostics, CancellationToken ct) => GuestResource.WaitForAgentAsync(node, spec, diagnostics, ct);

    public Task<GuestNodeState> ReadAsync(CancellationToken ct) => readNode is null ? GuestResource.ReadNodeAsync(node, spec, ct) : readNode(ct);

    public async Task<(int ExitCode, string Out, string Err)> ExecAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, bool mutating, CancellationToken ct, ReadOnlyMemory<byte>? input = null)
    {
        var command = Command(spec, program, arguments, timeout, passStdin: input is not null).AsMutating(mutating).WithTimeout(timeout + TimeSpan.FromSeconds(30));
        if (input is { } bytes)
        {
            command = command.WithInput(bytes, sensitive: true);
        }

        var r = await node.RunAsync(command, ct).ConfigureAwait(false);
        return GuestNodeState.ParseExecJson(r.StandardOutput) ?? (r.ExitCode == 0 ? -1 : r.ExitCode, r.StandardOutput, r.StandardError);
    }

    public async Task<string?> CopyIntoAsync(string localPath, string sha256, string guestPath, IProgress<double> progress, CancellationToken ct)
    {
        var cache = $"/var/lib/vgpuiac/cache/{sha256}{Path.GetExtension(guestPath)}";
        await node.UploadAsync(localPath, cache, sha256, progress, ct).ConfigureAwait(false);
        var copy = await node.RunAsync(RemoteCommand.Script(GuestScripts.CopyIntoGuest, spec.VmidText, cache, guestPath).AsMutating().WithTimeout(TimeSpan.FromMinutes(30)), ct).ConfigureAwait(false);
        var parsed = GuestNodeState.ParseExecJson(copy.StandardOutput);
        return copy.Succeeded && parsed is { ExitCode: 0 } ? null : $"The guest agent answered: {(copy.StandardError + " " + parsed?.Err).Trim()}";
    }

    public async Task<bool> RebootAsync(DiagnosticBag diagnostics, CancellationToken ct)
    {
        var reboot = await node.RunAsync(RemoteCommand.Of("qm", "reboot", spec.VmidText).AsMutating().WithTimeout(TimeSpan.FromMinutes(10)), ct).ConfigureAwait(false);
        if (!reboot.Succeeded)
        {
            diagnostics.Error("Unable to reboot the guest", $"qm reboot answered: {reboot.StandardError.Trim()}");
            return false;
        }

        return await WaitReadyAsync(diagnostics, ct).ConfigureAwait(false);
    }

    public Diagnostic? Explain(NodeConnectionException e) => null;

    /// <summary><c>qm guest exec VMID [--pass-stdin 1] --timeout N -- PROGRAM ARGS...</c>: each argument its own word.</summary>
    internal static RemoteCommand Command(GuestSpec spec, string program, IReadOnlyList<string> arguments, TimeSpan timeout, bool passStdin = false) =>
        new()
        {
            Program = "qm",
            Arguments =
            [
                "guest", "exec", spec.VmidText, .. passStdin ? ["--pass-stdin", "1"] : Array.Empty<string>(),
                "--timeout", ((int)timeout.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                "--", program, .. arguments,
            ],
        };
}
