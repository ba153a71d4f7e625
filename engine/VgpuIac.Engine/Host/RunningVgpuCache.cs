using VgpuIac.Engine.Remote;

namespace VgpuIac.Engine.Host;

/// <summary>The output of <see cref="NodeFactsProbe.RunningVgpusScript"/> (the node's running vGPUs), as read.</summary>
/// <param name="Output">The script's standard output: the <c>nvidia-smi-vgpu</c> section and the end mark.</param>
internal sealed record RunningVgpuListing(string Output);

/// <summary>
/// The node's running vGPUs (<see cref="NodeFactsProbe.RunningVgpusCommand"/>), read once and shared like
/// <see cref="NodeFactsCache"/>: only the <c>vgpu_node</c> data source asks for them.
/// </summary>
internal sealed class RunningVgpuCache(TimeSpan ttl) : NodeReadCache<RunningVgpuListing>(ttl)
{
    /// <summary>The lifetime both doors use, as <see cref="NodeFactsCache.Shared"/>.</summary>
    public static RunningVgpuCache Shared { get; } = new(TimeSpan.FromSeconds(30));

    protected override async Task<RunningVgpuListing> ReadAsync(IRemoteShell shell, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(shell);
        var result = await shell.RunAsync(NodeFactsProbe.RunningVgpusCommand, cancellationToken).ConfigureAwait(false);
        return new RunningVgpuListing(result.StandardOutput);
    }
}
