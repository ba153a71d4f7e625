using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Resources;

/// <summary>Plan a create (<see cref="Prior"/> null), an update, or a delete (<see cref="ProposedNewState"/> null).</summary>
public sealed record PlanRequest
{
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

public sealed record PlanResult
{
    /// <summary>The planned state; unknown where the value is known only after apply. Null for a destroy.</summary>
    public Value? Planned { get; init; }

    public ImmutableArray<AttributePath> RequiresReplace { get; init; } = ImmutableArray<AttributePath>.Empty;

    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}

/// <summary>Apply a create, update or delete (<see cref="Planned"/> null).</summary>
public sealed record ApplyRequest
{
    public required ResourceContext Context { get; init; }

    public Value? Prior { get; init; }

    public Value? Planned { get; init; }

    public required Value Config { get; init; }
}

public sealed record ApplyResult
{
    /// <summary>What the node says after the change (read back); null after a delete. On failure, the partial state.</summary>
    public Value? NewState { get; init; }

    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}

public sealed record ReadRequest
{
    public required ResourceContext Context { get; init; }

    public required Value State { get; init; }
}

public sealed record ReadResult
{
    /// <summary>Null when the object is gone from the node.</summary>
    public Value? NewState { get; init; }

    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}

public sealed record ImportRequest
{
    public required ResourceContext Context { get; init; }

    public required string Id { get; init; }
}

public sealed record ImportResult
{
    /// <summary>The imported state; an import of something missing is an error diagnostic, not a null state.</summary>
    public Value? State { get; init; }

    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}
