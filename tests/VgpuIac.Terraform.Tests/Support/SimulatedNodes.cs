using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.Support;

/// <summary>Starts a simulated node for an end-to-end test; outside CI, where a machine cannot run one, says why and gives null.</summary>
public static class SimulatedNodes
{
    public static async Task<SimulatedNode?> StartOrExplainAsync(NodeOptions? options = null)
    {
        try
        {
            return await SimulatedNode.StartAsync(options ?? new NodeOptions());
        }
        catch (NodeSimUnavailableException e) when (Environment.GetEnvironmentVariable("CI") != "true")
        {
            // Outside CI without root/namespaces the simulated node cannot run; say why instead of failing.
            Console.Error.WriteLine($"skipped: simulated node unavailable: {e.Message}");
            return null;
        }
    }
}
