namespace VgpuIac.Engine.Ssh;

/// <summary>Whether a presented host key is trusted; when not, a message naming both fingerprints and what to do.</summary>
public sealed record HostKeyVerdict(bool Trusted, string? Problem = null, string? Remedy = null)
{
    /// <summary>The host key matches a pinned key or known_hosts: connect.</summary>
    public static HostKeyVerdict Trust { get; } = new(true);
}
