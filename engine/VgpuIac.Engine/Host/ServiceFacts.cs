namespace VgpuIac.Engine.Host;

/// <summary>A systemd unit as <c>systemctl show</c> reports it.</summary>
internal sealed record ServiceFacts
{
    public required string Unit { get; init; }

    /// <summary><c>loaded</c>, <c>not-found</c>, ...; null when systemctl gave nothing.</summary>
    public string? LoadState { get; init; }

    public string? ActiveState { get; init; }

    public string? SubState { get; init; }

    public string? UnitFileState { get; init; }

    /// <summary>The <c>Environment=</c> value (space-separated assignments, e.g. <c>LD_PRELOAD=/opt/...</c>).</summary>
    public string? Environment { get; init; }

    public string? DropInPaths { get; init; }

    public bool Exists => string.Equals(LoadState, "loaded", StringComparison.Ordinal);

    public bool IsActive => string.Equals(ActiveState, "active", StringComparison.Ordinal);

    public bool IsFailed => string.Equals(ActiveState, "failed", StringComparison.Ordinal);

    /// <summary>"active (running)", "inactive (dead)", "not-found", "unknown".</summary>
    public string Describe() =>
        LoadState is null ? "unknown"
        : !Exists ? LoadState
        : $"{ActiveState ?? "unknown"} ({SubState ?? "unknown"})";
}
