using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

/// <summary>A fact that needs a simulated node. Outside CI (CI != "true") it is skipped, with the reason, when this
/// machine cannot run nodes (not root, no unshare/sshd/mdevctl); in CI it always runs and fails loudly.</summary>
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
