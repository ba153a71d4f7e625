namespace VgpuIac.Engine.Logging;

/// <summary>How much a log message matters; each door maps it to its own levels.</summary>
public enum LogLevel
{
    /// <summary>Every step, for tracing a problem.</summary>
    Trace,

    /// <summary>Detail for developers.</summary>
    Debug,

    /// <summary>What the engine does.</summary>
    Info,

    /// <summary>Something the user may want to look at.</summary>
    Warn,

    /// <summary>A failure.</summary>
    Error,
}
