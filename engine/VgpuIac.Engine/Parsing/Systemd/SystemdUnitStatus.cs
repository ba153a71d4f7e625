using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Systemd;

/// <summary>
/// One unit as <c>systemctl status</c> shows it. <see cref="LoadState"/> is <c>not-found</c> for "could not be
/// found" / "not loaded" / "does not exist" messages. <see cref="Properties"/> keeps every <c>Key: value</c> header
/// line (Loaded, Active, Main PID, Tasks, CPU, Duration, Invocation, ...), <see cref="JournalLines"/> the log tail.
/// </summary>
public sealed record SystemdUnitStatus(
    string Unit,
    string? Description,
    string? Marker,
    string? LoadState,
    string? UnitFilePath,
    string? UnitFileState,
    string? Preset,
    UnitActiveState ActiveState,
    string? SubState,
    string? Result,
    string? Since,
    ImmutableArray<string> DropIns,
    int? MainPid,
    string? MainExitStatus,
    ImmutableArray<string> Processes,
    ImmutableArray<KeyValuePair<string, string>> Properties,
    ImmutableArray<string> JournalLines,
    ImmutableArray<string> Messages)
{
    public bool NotFound => LoadState == "not-found";

    public bool Enabled => UnitFileState is "enabled" or "enabled-runtime" or "static" or "alias";
}
