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
    /// <summary>The resource's name, attributes and descriptions.</summary>
    ResourceDefinition Definition { get; }

    /// <summary>Static checks of configuration (no node access); unknown values are skipped.</summary>
    IEnumerable<Diagnostic> Validate(Value config);

    /// <summary>Plans without changing the node (reads are allowed).</summary>
    Task<PlanResult> PlanAsync(PlanRequest request, CancellationToken cancellationToken);

    /// <summary>Makes the planned change on the node, then reads the result back as the new state.</summary>
    Task<ApplyResult> ApplyAsync(ApplyRequest request, CancellationToken cancellationToken);

    /// <summary>Refreshes the state from the node; a missing object reads as null, not as an error.</summary>
    Task<ReadResult> ReadAsync(ReadRequest request, CancellationToken cancellationToken);

    /// <summary>Builds the state of an existing object from the node, given the ID the user typed.</summary>
    Task<ImportResult> ImportAsync(ImportRequest request, CancellationToken cancellationToken);
}
