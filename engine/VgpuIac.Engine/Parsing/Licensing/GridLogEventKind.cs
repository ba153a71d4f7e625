namespace VgpuIac.Engine.Parsing.Licensing;

/// <summary>What one nvidia-gridd (Linux) / NVDisplay.Container (Windows) licensing log line says.</summary>
internal enum GridLogEventKind
{
    Other,
    Started,
    NlsInitialized,
    Acquiring,
    Acquired,
    Returned,

    /// <summary>"Valid GRID license not found. GPU features and performance will be restricted/fully degraded."</summary>
    NotLicensed,

    /// <summary>A failure; see <see cref="GridFailureReason"/>.</summary>
    Failure,

    /// <summary>"End Logging" (Windows service instance stopping) or gridd's "Shutdown".</summary>
    Stopped,

    /// <summary>systemd's own line about the nvidia-gridd unit ("Main process exited ...", "Failed with result ..."): never the licensing reason.</summary>
    ServiceManager,
}
