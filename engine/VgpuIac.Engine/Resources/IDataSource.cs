using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Resources;

/// <summary>A data source kind: reads facts from a node for use elsewhere in the configuration. Both doors route every call here.</summary>
public interface IDataSource
{
    /// <summary>The data source's name, attributes and descriptions.</summary>
    ResourceDefinition Definition { get; }

    /// <summary>Static checks of configuration (no node access); unknown values are skipped.</summary>
    IEnumerable<Diagnostic> Validate(Value config);

    /// <summary>Reads the node and returns the data source's attributes.</summary>
    Task<DataSourceReadResult> ReadAsync(DataSourceReadRequest request, CancellationToken cancellationToken);
}
