using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.NodeInfo;

/// <summary>The <c>vgpu_node</c> data source: one read-only probe of the node (shared with resources through <see cref="NodeFactsCache"/>).</summary>
public sealed class NodeDataSource : IDataSource
{
    /// <inheritdoc/>
    public ResourceDefinition Definition => NodeDataSourceSchema.Definition;

    /// <inheritdoc/>
    public IEnumerable<Diagnostic> Validate(Value config) => [];

    /// <inheritdoc/>
    public async Task<DataSourceReadResult> ReadAsync(DataSourceReadRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var diagnostics = new DiagnosticBag();
        var facts = await NodeCall.RunAsync(
            request.Context,
            request.Config,
            "read node facts",
            diagnostics,
            shell => NodeFactsCache.WithRunningVgpusAsync(shell, request.Context.Time, cancellationToken)).ConfigureAwait(false);
        if (facts is null)
        {
            return new DataSourceReadResult { Diagnostics = diagnostics.ToImmutable() };
        }

        foreach (var warning in facts.ProbeWarnings)
        {
            diagnostics.Warning("Incomplete node facts", $"Node \"{facts.NodeName}\": {warning}. The values that depend on it may be missing; run again, and check the node if it persists.");
        }

        return new DataSourceReadResult { State = NodeFactsValues.State(facts), Diagnostics = diagnostics.ToImmutable() };
    }
}
