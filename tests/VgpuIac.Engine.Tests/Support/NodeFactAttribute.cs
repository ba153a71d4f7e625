using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Support;

/// <summary>A fact that needs a simulated node: skipped with the reason outside CI when this machine cannot run one
/// (not root, no sshd/unshare/mdevctl); in CI (CI=true) it always runs and fails loudly.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        var why = NodeHostRequirements.WhyUnavailable();
        if (why is not null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = "simulated node unavailable here: " + why;
        }
    }
}
