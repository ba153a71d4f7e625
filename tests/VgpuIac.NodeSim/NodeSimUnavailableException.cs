namespace VgpuIac.NodeSim;

/// <summary>The host cannot run a simulated node (not root, no unshare, no sshd, ...), or the node failed to start.</summary>
public sealed class NodeSimUnavailableException : Exception
{
    public NodeSimUnavailableException(string message) : base(message) { }

    public NodeSimUnavailableException(string message, Exception inner) : base(message, inner) { }

    public NodeSimUnavailableException() { }
}
