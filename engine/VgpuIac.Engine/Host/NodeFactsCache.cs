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

    /// <summary>
    /// The node's facts with its running vGPUs (<see cref="GpuFacts.RunningVgpus"/>), for the <c>vgpu_node</c> data source: the
    /// shared probe and the vGPU listing (<see cref="RunningVgpuCache"/>) run at once, two commands on the node's connection.
    /// </summary>
    public static async Task<NodeFacts> WithRunningVgpusAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        var facts = Shared.GetAsync(shell, time, cancellationToken);
        var listing = RunningVgpuCache.Shared.GetAsync(shell, time, cancellationToken);
        await Task.WhenAll(facts, listing).ConfigureAwait(false);
        return NodeFactsParser.WithRunningVgpus(await facts.ConfigureAwait(false), (await listing.ConfigureAwait(false)).Output);
    }

    protected override Task<NodeFacts> ReadAsync(IRemoteShell shell, CancellationToken cancellationToken) => NodeFactsProbe.RunAsync(shell, cancellationToken);

    /// <summary>
    /// The probe also lists the node's VMs (<see cref="NodeFactsProbe.Snapshot"/>): that answer is offered to
    /// <see cref="VmSnapshotCache.Shared"/> when nothing changed through the shell while the probe ran, so the guest reads that
    /// follow the host driver's read start no second round trip and no second <c>qm list</c>.
    /// </summary>
    protected override async Task<NodeFacts> ReadAsync(IRemoteShell shell, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var generation = (shell as ObservedRemoteShell)?.Generation;
        var (facts, snapshot) = await NodeFactsProbe.RunWithSnapshotAsync(shell, cancellationToken).ConfigureAwait(false);
        if (snapshot is not null && generation is { } g)
        {
            VmSnapshotCache.Shared.Offer(shell, snapshot, g, time);
        }

        return facts;
    }
}
