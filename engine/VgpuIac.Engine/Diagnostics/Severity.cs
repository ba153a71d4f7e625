namespace VgpuIac.Engine.Diagnostics;

/// <summary>How serious a <see cref="Diagnostic"/> is.</summary>
public enum Severity
{
    /// <summary>The operation failed; nothing after it ran.</summary>
    Error,
    /// <summary>The operation went on; the user should read this.</summary>
    Warning,
}
