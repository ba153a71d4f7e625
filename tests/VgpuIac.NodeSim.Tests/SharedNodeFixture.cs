using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

/// <summary>One node shared by the read-mostly tests of a class. Null when nodes cannot run here (tests skip).</summary>
public sealed class SharedNodeFixture : IAsyncLifetime
{
    public SimulatedNode? Node { get; private set; }

    public SimulatedNode Require() => Node ?? throw new InvalidOperationException("no node: " + NodeHostRequirements.WhyUnavailable());

    public async Task InitializeAsync()
    {
        if (NodeHostRequirements.WhyUnavailable() is not null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            return;
        }

        Node = await SimulatedNode.StartAsync(new NodeOptions { Hostname = "pve-shared" }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (Node is not null)
        {
            await Node.DisposeAsync();
        }
    }
}
