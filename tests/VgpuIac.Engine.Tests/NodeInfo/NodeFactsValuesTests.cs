using VgpuIac.Engine.Host;
using VgpuIac.Engine.NodeInfo;
using VgpuIac.Engine.Tests.Host;

namespace VgpuIac.Engine.Tests.NodeInfo;

public sealed class NodeFactsValuesTests
{
    [Fact]
    public void StateHasEverySchemaAttribute()
    {
        var state = NodeFactsValues.State(NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode()));

        Assert.Equal(
            NodeDataSourceSchema.Definition.Attributes.Select(a => a.Name).Order(StringComparer.Ordinal),
            state.Fields.Keys.Order(StringComparer.Ordinal));
        var gpu = Assert.Single(state["gpus"].Items);
        Assert.Equal("native", gpu["vgpu_path"].AsString());
        Assert.Equal("pascal", gpu["architecture"].AsString());
        var type = gpu["vgpu_types"].Items.Single(t => t["id"].AsString() == "nvidia-46");
        Assert.Equal("GRID P40-1Q", type["name"].AsString());
        Assert.Equal(1024, type["framebuffer_mib"].AsInt64());
        Assert.Equal("535.129.03", state["host_driver_version"].AsString());
        Assert.Equal("active (running)", state["vgpu_manager_state"].AsString());
    }
}
