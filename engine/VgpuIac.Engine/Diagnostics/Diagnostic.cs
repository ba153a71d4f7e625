namespace VgpuIac.Engine.Diagnostics;

/// <summary>
/// An expected failure or warning, for the user: a summary ("Unable to install host driver"), a detail that
/// says what the node answered and what to do next, and the attribute it concerns.
/// </summary>
public sealed record Diagnostic(Severity Severity, string Summary, string Detail, AttributePath? Path = null)
{
    public static Diagnostic Error(string summary, string detail, AttributePath? path = null) => new(Severity.Error, summary, detail, path);

    public static Diagnostic Warning(string summary, string detail, AttributePath? path = null) => new(Severity.Warning, summary, detail, path);

    public bool IsError => Severity == Severity.Error;
}
