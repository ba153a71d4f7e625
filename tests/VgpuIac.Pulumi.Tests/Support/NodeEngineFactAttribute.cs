using VgpuIac.NodeSim;

namespace VgpuIac.Pulumi.Tests.Support;

/// <summary>Drives the plugin against a simulated PVE node: needs the Node client and a machine that can run nodes (root, unshare, sshd).</summary>
public sealed class NodeEngineFactAttribute : FactAttribute
{
    public NodeEngineFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            return;
        }

        if (PulumiEngine.WhyUnavailable() is { } why)
        {
            Skip = why;
        }
        else if (NodeHostRequirements.WhyUnavailable() is { } node)
        {
            Skip = "simulated node unavailable here: " + node;
        }
    }
}
