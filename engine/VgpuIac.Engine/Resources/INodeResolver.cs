using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Resources;

/// <summary>Finds the shell of a configured node by name.</summary>
public interface INodeResolver
{
    IReadOnlyList<string> NodeNames { get; }

    /// <summary>
    /// The node called <paramref name="name"/>, or the only node when <paramref name="name"/> is null.
    /// Returns null and a diagnostic (pointing at <paramref name="path"/>) when there is no such node.
    /// </summary>
    IRemoteShell? Resolve(string? name, AttributePath path, DiagnosticBag diagnostics);
}
