using System.Collections.Immutable;
using VgpuIac.Engine.Diagnostics;
using VgpuIac.Engine.Values;

namespace VgpuIac.Engine.Resources;

public sealed record DataSourceReadRequest
{
    public required ResourceContext Context { get; init; }

    public required Value Config { get; init; }
}

public sealed record DataSourceReadResult
{
    public Value? State { get; init; }

    public ImmutableArray<Diagnostic> Diagnostics { get; init; } = ImmutableArray<Diagnostic>.Empty;
}
