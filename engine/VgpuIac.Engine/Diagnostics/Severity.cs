namespace VgpuIac.Engine.Diagnostics;

public enum Severity
{
    Error,
    Warning,
}
