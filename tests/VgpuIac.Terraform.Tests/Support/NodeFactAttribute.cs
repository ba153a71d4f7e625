using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.Support;

/// <summary>
/// A fact that needs a simulated node and the terraform CLI: skipped with the reason outside CI when this machine cannot
/// run them (not root, no sshd/unshare/mdevctl, no terraform on PATH); in CI (CI=true) it always runs and fails loudly.
/// </summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (NodeTestRequirements.WhySkipped() is { } why)
        {
            Skip = why;
        }
    }
}

/// <summary>A theory that needs a simulated node and the terraform CLI; see <see cref="NodeFactAttribute"/>.</summary>
public sealed class NodeTheoryAttribute : TheoryAttribute
{
    public NodeTheoryAttribute()
    {
        if (NodeTestRequirements.WhySkipped() is { } why)
        {
            Skip = why;
        }
    }
}

internal static class NodeTestRequirements
{
    /// <summary>Why node tests cannot run here, or null; always null in CI, where a missing requirement must fail.</summary>
    public static string? WhySkipped()
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            return null;
        }

        if (NodeHostRequirements.WhyUnavailable() is { } why)
        {
            return "simulated node unavailable here: " + why;
        }

        return EndToEnd.TerraformCli.Available ? null : "terraform is not on PATH";
    }
}
