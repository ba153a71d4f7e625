using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Resources;

/// <summary>Read a data source: look at the node and report what is there, changing nothing.</summary>
public sealed record DataSourceReadRequest
{
    /// <summary>The configured nodes, the log and the clock for this call.</summary>
    public required ResourceContext Context { get; init; }

    /// <summary>The data source's configuration (which node, which filters).</summary>
    public required Value Config { get; init; }
}

/// <summary>What a data source read found.</summary>
public sealed record DataSourceReadResult
{
    /// <summary>The data source's attributes as read from the node; null when the read failed.</summary>
    public Value? State { get; init; }

    /// <summary>Errors and warnings of the read, for the user.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}
