using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Resources;

public interface IDataSource
{
    ResourceDefinition Definition { get; }

    IEnumerable<Diagnostic> Validate(Value config);

    Task<DataSourceReadResult> ReadAsync(DataSourceReadRequest request, CancellationToken cancellationToken);
}
