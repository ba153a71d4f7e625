using VgpuIac.Engine.Logging;

namespace VgpuIac.Engine.Resources;

/// <summary>What an operation may use: the configured nodes, the log and the clock.</summary>
public sealed record ResourceContext
{
    /// <summary>Resolves node names to shells on the configured nodes.</summary>
    public required INodeResolver Nodes { get; init; }

    /// <summary>Where progress and debug lines go (the door's log).</summary>
    public IEngineLog Log { get; init; } = NullEngineLog.Instance;

    /// <summary>The clock; tests replace it.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}
