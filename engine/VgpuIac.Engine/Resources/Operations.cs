using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Resources;

/// <summary>Plan a create (<see cref="Prior"/> null), an update, or a delete (<see cref="ProposedNewState"/> null).</summary>
public sealed record PlanRequest
{
    /// <summary>The configured nodes, the log and the clock for this call.</summary>
    public required ResourceContext Context { get; init; }

    /// <summary>State after the last refresh; null when the object does not exist yet.</summary>
    public Value? Prior { get; init; }

    /// <summary>The configuration as written (may hold unknowns).</summary>
    public required Value Config { get; init; }

    /// <summary>Config merged with prior computed values by the door; null when destroying.</summary>
    public Value? ProposedNewState { get; init; }

    /// <summary>
    /// Set on a create (<see cref="Prior"/> null) that is the second half of a replacement: the ID of the object in state
    /// that this create replaces. The door knows it (Terraform plans a replacement's create with no prior state and
    /// destroys the old object first); the resource uses it to tell "the object being replaced" from a stranger's object
    /// at the same place (same vmid, same section).
    /// </summary>
    public string? Replacing { get; init; }
}

/// <summary>What a plan found: the planned state, the attributes that force a replacement, and diagnostics.</summary>
public sealed record PlanResult
{
    /// <summary>The planned state; unknown where the value is known only after apply. Null for a destroy.</summary>
    public Value? Planned { get; init; }

    /// <summary>Attributes whose change destroys and re-creates the object rather than updating it in place.</summary>
    public ImmutableArray<AttributePath> RequiresReplace { get; init; } = ImmutableArray<AttributePath>.Empty;

    /// <summary>Errors and warnings of the plan, for the user.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}

/// <summary>Apply a create, update or delete (<see cref="Planned"/> null).</summary>
public sealed record ApplyRequest
{
    /// <summary>The configured nodes, the log and the clock for this call.</summary>
    public required ResourceContext Context { get; init; }

    /// <summary>State before the change; null for a create.</summary>
    public Value? Prior { get; init; }

    /// <summary>The state the plan promised; null for a delete.</summary>
    public Value? Planned { get; init; }

    /// <summary>The configuration as written, now wholly known.</summary>
    public required Value Config { get; init; }
}

/// <summary>What an apply did: the state read back and diagnostics.</summary>
public sealed record ApplyResult
{
    /// <summary>What the node says after the change (read back); null after a delete. On failure, the partial state.</summary>
    public Value? NewState { get; init; }

    /// <summary>Errors and warnings of the apply, for the user; an error means the state may be partial.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}

/// <summary>Refresh one object's state from its node.</summary>
public sealed record ReadRequest
{
    /// <summary>The configured nodes, the log and the clock for this call.</summary>
    public required ResourceContext Context { get; init; }

    /// <summary>The state as last stored; it names the node and the object to read.</summary>
    public required Value State { get; init; }
}

/// <summary>What a refresh found on the node.</summary>
public sealed record ReadResult
{
    /// <summary>Null when the object is gone from the node.</summary>
    public Value? NewState { get; init; }

    /// <summary>Errors and warnings of the refresh, for the user.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}

/// <summary>Adopt an object that already exists on a node.</summary>
public sealed record ImportRequest
{
    /// <summary>The configured nodes, the log and the clock for this call.</summary>
    public required ResourceContext Context { get; init; }

    /// <summary>The import ID the user gave, in the form the resource documents.</summary>
    public required string Id { get; init; }
}

/// <summary>What an import found on the node.</summary>
public sealed record ImportResult
{
    /// <summary>The imported state; an import of something missing is an error diagnostic, not a null state.</summary>
    public Value? State { get; init; }

    /// <summary>Errors and warnings of the import, for the user.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}
