namespace VgpuIac.Engine.Parsing.Systemd;

/// <summary>The ActiveState of a systemd unit (<c>systemctl is-active</c>, <c>ActiveState=</c>, the Active line).</summary>
public enum UnitActiveState
{
    /// <summary>Unreadable, or systemd's own "unknown" (the unit does not exist).</summary>
    Unknown,
    Active,
    Reloading,
    Inactive,
    Failed,
    Activating,
    Deactivating,
    Maintenance,
    Refreshing,
}
