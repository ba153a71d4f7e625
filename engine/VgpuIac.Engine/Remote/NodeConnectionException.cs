namespace VgpuIac.Engine.Remote;

/// <summary>The node could not be reached, refused our credentials or host key, or dropped the connection.</summary>
public sealed class NodeConnectionException : Exception
{
    /// <summary>A connection failure with no message.</summary>
    public NodeConnectionException()
    {
    }

    /// <summary>A connection failure that says what went wrong in <paramref name="message"/>.</summary>
    public NodeConnectionException(string message)
        : base(message)
    {
    }

    /// <summary>A connection failure caused by <paramref name="innerException"/> (the transport's own error).</summary>
    public NodeConnectionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The configured node the failure concerns, when known.</summary>
    public string? NodeName { get; init; }

    /// <summary>The host key did not match the pinned fingerprint or known_hosts.</summary>
    public bool HostKeyMismatch { get; init; }

    /// <summary>The connection dropped while a command was running; its effect on the node is unknown.</summary>
    public bool DroppedMidCommand { get; init; }

    /// <summary>The node did not come back from a reboot in time.</summary>
    public bool RebootTimedOut { get; init; }

    /// <summary>
    /// The node was reached but a file operation of the transport failed there (disk full, permission denied, checksum of
    /// uploaded bytes wrong, reboot command refused). <see cref="Exception.Message"/> says what the node answered.
    /// </summary>
    public bool OperationFailed { get; init; }

    /// <summary>What the user should do, e.g. "check that sshd runs on 10.0.0.5:22".</summary>
    public string? Remedy { get; init; }
}
