using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Schema;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Resources;

/// <summary>
/// A managed resource kind. Both doors route every call here; nothing protocol-specific lives in an implementation.
/// State values are objects with every attribute of <see cref="Definition"/> present (null where unset).
/// </summary>
public interface IResource
{
    ResourceDefinition Definition { get; }

    /// <summary>Static checks of configuration (no node access); unknown values are skipped.</summary>
    IEnumerable<Diagnostic> Validate(Value config);

    /// <summary>Plans without changing the node (reads are allowed).</summary>
    Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken);

    Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken);

    Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken);

    Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken);
}
