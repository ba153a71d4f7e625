using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>Assertions on a simulated node's command log: whether anything changed the node since a mark.</summary>
public static class NodeChanges
{
    public static async Task AssertNoneSinceAsync(SimulatedNode node, int mark, string because)
    {
        var changes = (await node.ReadCommandLogAsync(mark))
            .Where(e => e.Kind == CommandLogKind.ShimMutate || e.Text.Contains("vgpuiac-write", StringComparison.Ordinal))
            .Select(e => e.Text)
            .ToList();
        Assert.True(changes.Count == 0, $"{because}, but the node was changed:\n{string.Join('\n', changes)}");
    }
}
