namespace VgpuIac.Pulumi.Tests.Support;

/// <summary>
/// A test that drives the plugin through the Node engine client. Outside CI it is skipped, with the reason, when
/// node_modules or the plugin binary are missing; in CI (CI=true) it always runs and fails loudly.
/// </summary>
public sealed class EngineFactAttribute : FactAttribute
{
    public EngineFactAttribute()
    {
        if (PulumiEngine.WhyUnavailable() is { } why && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = why;
        }
    }
}
