using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Guests;

/// <summary>
/// How setup commands reach the inside of a guest: through the QEMU guest agent on the node
/// (<see cref="AgentGuestChannel"/>, <c>qm guest exec</c>) or over SSH straight to the guest (<see cref="SshGuestChannel"/>).
/// Both run the same program with the same argument list and standard input; only the path differs.
/// </summary>
internal interface IGuestChannel
{
    /// <summary>What the channel is, for messages: "the guest agent" or "SSH to root@host:22".</summary>
    string Name { get; }

    /// <summary>Waits until the guest answers on this channel; false and a diagnostic when it does not.</summary>
    Task<bool> WaitReadyAsync(DiagnosticBag diagnostics, CancellationToken ct);

    /// <summary>The VM as the node says (config, status) with the guest's facts (driver, token, licence) read on this channel.</summary>
    Task<GuestNodeState> ReadAsync(CancellationToken ct);

    /// <summary>Runs <paramref name="program"/> with <paramref name="arguments"/> in the guest; <paramref name="input"/> (secret) goes to its stdin.</summary>
    Task<(int ExitCode, string Out, string Err)> ExecAsync(string program, IReadOnlyList<string> arguments, TimeSpan timeout, bool mutating, CancellationToken ct, ReadOnlyMemory<byte>? input = null);

    /// <summary>Copies a local file into the guest at <paramref name="guestPath"/>; null when it arrived, else what went wrong.</summary>
    Task<string?> CopyIntoAsync(string localPath, string sha256, string guestPath, IProgress<double> progress, CancellationToken ct);

    /// <summary>Reboots the guest and waits until it answers on this channel again.</summary>
    Task<bool> RebootAsync(DiagnosticBag diagnostics, CancellationToken ct);

    /// <summary>A diagnostic for a transport failure of this channel's own connection; null when <paramref name="e"/> is not about it.</summary>
    Diagnostic? Explain(NodeConnectionException e);
}
