namespace VgpuIac.Engine.Diagnostics;

/// <summary>
/// An expected failure or warning, for the user: a summary ("Unable to install host driver"), a detail that
/// says what the node answered and what to do next, and the attribute it concerns.
/// The detail holds facts and engine-level advice only; advice that names a tool (<c>terraform import</c>,
/// <c>pulumi import</c>) is added by each door from the structured facts below (<see cref="Import"/>).
/// </summary>
public sealed record Diagnostic(Severity Severity, string Summary, string Detail, AttributePath? Path = null)
{
    /// <summary>
    /// Set when an object that could be brought under management exists on the node: the door appends its own way of
    /// adopting it (Terraform: <c>terraform import</c> / an <c>import</c> block; Pulumi: <c>pulumi import</c>).
    /// </summary>
    public ImportHint? Import { get; init; }

    /// <summary>An error: the operation stops and the user must act.</summary>
    public static Diagnostic Error(string summary, string detail, AttributePath? path = null) => new(Severity.Error, summary, detail, path);

    /// <summary>A warning: the operation goes on, but the user should know.</summary>
    public static Diagnostic Warning(string summary, string detail, AttributePath? path = null) => new(Severity.Warning, summary, detail, path);

    /// <summary>True for an error, false for a warning.</summary>
    public bool IsError => Severity == Severity.Error;
}

/// <summary>An object exists on the node that the resource kind <paramref name="Resource"/> can import under <paramref name="Id"/>.</summary>
public sealed record ImportHint(Schema.ResourceDefinition Resource, string Id);
