using VgpuIac.Engine.Logging;

namespace VgpuIac.Engine.Resources;

/// <summary>What an operation may use: the configured nodes, the log and the clock.</summary>
public sealed record ResourceContext
{
    public required INodeResolver Nodes { get; init; }

    public IEngineLog Log { get; init; } = NullEngineLog.Instance;

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
