using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>
/// <see cref="NodeFacts"/> of a node (<see cref="NodeFactsProbe"/>), probed once and shared by every resource of the provider
/// process that reads that node; kept in the node's shell and dropped by any change through it (see <see cref="NodeReadCache{T}"/>).
/// </summary>
internal sealed class NodeFactsCache(TimeSpan ttl) : NodeReadCache<NodeFacts>(ttl)
{
    /// <summary>The lifetime both doors use (the facts themselves are per node shell).</summary>
    public static NodeFactsCache Shared { get; } = new(TimeSpan.FromSeconds(30));

    protected override Task<NodeFacts> ReadAsync(IRemoteShell shell, CancellationToken cancellationToken) => NodeFactsProbe.RunAsync(shell, cancellationToken);
}
