using VgpuIac.Engine.Host;
using VgpuIac.Engine.Tests.Host;
using VgpuIac.Engine.NodeInfo;
using VgpuIac.Engine.Resources;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.NodeInfo;

public sealed class NodeDataSourceNodeTests
{
    /// <summary>A node with the host driver and VM 100 ("win10") started with a vGPU; the shared node facts forgotten.</summary>
    private static async Task<NodeContext> StartWithRunningVgpuAsync()
    {
        var ctx = await NodeContext.StartAsync();
        try
        {
            await HostDriverSetup.InstallAsync(ctx.Node);
            await ctx.Node.ExecCheckedAsync("printf 'name: win10\\nhostpci0: 0000:01:00.0,mdev=nvidia-46\\n' > /etc/pve/qemu-server/100.conf && qm start 100");
            NodeFactsCache.Shared.Invalidate(ctx.Shell);
            return ctx;
        }
        catch
        {
            await ctx.DisposeAsync();
            throw;
        }
    }

    private static Task<DataSourceReadResult> ReadDataSourceAsync(NodeContext ctx) =>
        new NodeDataSource().ReadAsync(
            new DataSourceReadRequest
            {
                Context = ctx.Context,
                Config = Value.Object(NodeDataSourceSchema.Definition.Attributes.Select(a => new KeyValuePair<string, Value>(a.Name, Value.Null))),
            },
            CancellationToken.None);

    [NodeFact]
    public async Task FreshNodeThenNodeWithDriver()
    {
        await using var ctx = await NodeContext.StartAsync();
        var source = new NodeDataSource();
        var config = Value.Object(NodeDataSourceSchema.Definition.Attributes.Select(a => new KeyValuePair<string, Value>(a.Name, Value.Null)));

        var fresh = await source.ReadAsync(new DataSourceReadRequest { Context = ctx.Context, Config = config }, CancellationToken.None);

        Assert.Empty(fresh.Diagnostics);
        var s = fresh.State!;
        Assert.Equal("pve1", s["id"].AsString());
        Assert.Equal("8.2.4", s["pve_version"].AsString());
        Assert.Equal("6.5.13-6-pve", s["running_kernel"].AsString());
        Assert.True(s["iommu_enabled"].AsBool());
        Assert.False(s["secure_boot"].AsBool());
        Assert.True(s["nouveau_loaded"].AsBool());
        Assert.True(s["host_driver_version"].IsNull);
        var gpu = Assert.Single(s["gpus"].Items);
        Assert.Equal(("0000:01:00.0", "1b38", "Tesla P40", "pascal", "native"), (gpu["pci_address"].AsString(), gpu["device_id"].AsString(), gpu["name"].AsString(), gpu["architecture"].AsString(), gpu["vgpu_path"].AsString()));
        Assert.Empty(gpu["vgpu_types"].Items);

        await HostDriverSetup.InstallAsync(ctx.Node);
        NodeFactsCache.Shared.Invalidate(ctx.Shell);
        var withDriver = (await source.ReadAsync(new DataSourceReadRequest { Context = ctx.Context, Config = config }, CancellationToken.None)).State!;

        Assert.Equal("535.129.03", withDriver["host_driver_version"].AsString());
        Assert.Equal("active (running)", withDriver["vgpu_manager_state"].AsString());
        Assert.False(withDriver["nouveau_loaded"].AsBool());
        var types = Assert.Single(withDriver["gpus"].Items)["vgpu_types"].Items;
        var p40 = Assert.Single(types, t => t["name"].AsString() == "GRID P40-1Q");
        Assert.Equal("nvidia-46", p40["id"].AsString());
        Assert.Equal(1024, p40["framebuffer_mib"].AsInt64());
        Assert.Equal("nvidia", Assert.Single(withDriver["gpus"].Items)["driver"].AsString());
    }

    [NodeFact]
    public async Task A_started_vm_with_a_vgpu_is_an_active_vgpu_of_its_gpu()
    {
        await using var ctx = await StartWithRunningVgpuAsync();
        var read = await ReadDataSourceAsync(ctx);

        Assert.Empty(read.Diagnostics);
        var vgpu = Assert.Single(Assert.Single(read.State!["gpus"].Items)["active_vgpus"].Items);
        Assert.Equal(100, vgpu["vm_id"].AsInt64());
        Assert.Equal("win10", vgpu["vm_name"].AsString());
        Assert.Equal(("nvidia-46", "GRID P40-1Q"), (vgpu["type_id"].AsString(), vgpu["type_name"].AsString()));
        Assert.Equal("00000000-0000-0000-0000-000000000100", vgpu["mdev_uuid"].AsString());
        Assert.NotEqual(vgpu["mdev_uuid"].AsString(), vgpu["vgpu_uuid"].AsString());
        Assert.True(vgpu["guest_driver_version"].IsNull);
        Assert.Equal("N/A (Expiry: N/A)", vgpu["license_status"].AsString());
        Assert.False(vgpu["licensed"].AsBool());
    }

    [NodeFact]
    public async Task Only_the_data_source_lists_running_vgpus_and_it_reuses_the_shared_probe()
    {
        await using var ctx = await StartWithRunningVgpuAsync();
        static bool VgpuQuery(CommandLogEntry e) => e.Kind.StartsWith("shim-", StringComparison.Ordinal) && e.Text.StartsWith("nvidia-smi vgpu", StringComparison.Ordinal);

        // what every resource's refresh reads (the host driver, guests, unlock): no vGPU listing
        var mark = await ctx.Node.CommandLogMarkAsync();
        var facts = await NodeFactsCache.Shared.GetAsync(ctx.Shell, TimeProvider.System, CancellationToken.None);
        Assert.Contains(facts.Vms, v => v.VmId == 100);
        Assert.DoesNotContain(await ctx.Node.ReadCommandLogAsync(mark), VgpuQuery);

        // the data source: the cached probe plus one listing
        mark = await ctx.Node.CommandLogMarkAsync();
        var read = await ReadDataSourceAsync(ctx);

        Assert.Empty(read.Diagnostics);
        Assert.Equal(100, Assert.Single(Assert.Single(read.State!["gpus"].Items)["active_vgpus"].Items)["vm_id"].AsInt64());
        var log = await ctx.Node.ReadCommandLogAsync(mark);
        Assert.Single(log, VgpuQuery);
        Assert.Single(log, e => e.Kind == CommandLogKind.Exec);
    }

    [Fact]
    public void A_vgpu_listing_cut_before_its_end_is_a_probe_warning()
    {
        var facts = NodeFactsParser.Parse("pve1", ProbeSamples.DriverNode());

        var cut = NodeFactsParser.WithRunningVgpus(facts with { ProbeWarnings = [] }, "### nvidia-smi-vgpu rc=0\nGPU 00000000:01:00.0\n");

        Assert.Contains(cut.ProbeWarnings, w => w.StartsWith("nvidia-smi vgpu -q: ", StringComparison.Ordinal));
    }
}
