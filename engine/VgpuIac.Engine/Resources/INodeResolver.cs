using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Resources;

/// <summary>Finds the shell of a configured node by name.</summary>
public interface INodeResolver
{
    /// <summary>The names of the configured nodes, in name order.</summary>
    IReadOnlyList<string> NodeNames { get; }

    /// <summary>
    /// The node called <paramref name="name"/>, or the only node when <paramref name="name"/> is null.
    /// Returns null and a diagnostic (pointing at <paramref name="path"/>) when there is no such node.
    /// </summary>
    IRemoteShell? Resolve(string? name, AttributePath path, DiagnosticBag diagnostics);

    /// <summary>
    /// A shell on an SSH endpoint that is not a configured node, e.g. a guest VM reached directly (vgpu_guest's
    /// <c>guest_ssh_*</c>). The host key is verified exactly as for nodes (pinned fingerprint or known_hosts; never trusted
    /// on first use); the connection is opened lazily and kept for the life of the resolver. Returns null and a diagnostic
    /// (pointing at <paramref name="path"/>) when this resolver cannot open such connections.
    /// </summary>
    IRemoteShell? Connect(NodeSettings endpoint, AttributePath path, DiagnosticBag diagnostics)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(diagnostics);
        diagnostics.Error(
            $"Unable to connect to {endpoint.Endpoint}",
            "The provider is not configured (or its transport cannot open direct SSH connections). Check the provider block and the errors reported for it.",
            path);
        return null;
    }
}
