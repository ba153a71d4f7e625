using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Licensing;
using VgpuIac.Engine.Tests.Licensing;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>vGPU placement rules checked at plan time, parallel creation, clean destroy, and an unreachable licence server.</summary>
public sealed class GuestPlacementTests
{
    private static Value Guest(long vmid, string type, Value? token = null) => Value.Object(
        ("node", Value.String(NodeContext.NodeName)),
        ("vmid", Value.Number(vmid)),
        ("name", Value.String($"vm{vmid}")),
        ("mdev_type", Value.String(type)),
        ("license_token", token ?? Value.Null),
        ("license_wait_timeout", Value.String("5s")));

    private const string NodeTree = "find /etc/pve/qemu-server /var/lib/nodesim/guests /sys/bus/mdev/devices 2>/dev/null | sort; cat /sys/bus/pci/devices/0000:01:00.0/mdev_supported_types/*/available_instances";

    [NodeFact]
    public async Task A_type_without_free_instances_or_one_that_would_mix_types_warns_at_plan_and_fails_at_apply_before_creating_anything()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);

        // GRID P40-24Q (nvidia-53) has one instance per P40
        var (first, _) = await guests.ApplyAsync(Guest(201, "nvidia-53"), null);
        Assert.Equal("running", first!["status"].AsString());

        // plan: a warning (the node may change before apply; a destroy must never be blocked by a create-time check)
        var full = await guests.PlanAsync(Guest(202, "nvidia-53"), null);
        Assert.DoesNotContain(full.Diagnostics, d => d.IsError);
        var warning = Assert.Single(full.Diagnostics);
        Assert.Equal("mdev_type", warning.Path!.ToString());
        Assert.Contains("in use", warning.Detail, StringComparison.Ordinal);

        // apply: an error before anything is created
        var (none, applied) = await guests.ApplyAsync(Guest(202, "nvidia-53"), null, expectErrors: true);
        Assert.Null(none);
        Assert.Contains(applied, d => d.IsError && d.Summary == "No free vGPU instance");

        // P40 is time-sliced: with a 24Q running, a 1Q cannot be created next to it
        var mixed = await guests.PlanAsync(Guest(203, "nvidia-46"), null);
        var mix = Assert.Single(mixed.Diagnostics);
        Assert.Contains("one type at a time", mix.Detail, StringComparison.Ordinal);

        var unknown = await guests.PlanAsync(Guest(204, "nvidia-999"), null);
        Assert.Contains(unknown.Diagnostics, d => !d.IsError && d.Summary == "Unable to find the vGPU type" && d.Detail.Contains("nvidia-46 (GRID P40-1Q)", StringComparison.Ordinal));

        // neither the plans nor the refused apply changed the node
        Assert.Single((await ctx.Node.ExecCheckedAsync("ls /etc/pve/qemu-server")).Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [NodeFact]
    public async Task Four_guests_created_in_parallel_get_their_own_vmids_and_mdevs_and_destroy_leaves_the_node_as_it_was()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var before = await ctx.Node.ExecCheckedAsync(NodeTree);
        var guests = new ResourceDriver(new GuestResource(), ctx.Context);

        var states = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => guests.ApplyAsync(Guest(210 + i, "nvidia-46"), null)));

        var uuids = states.Select(s => s.State!["mdev_uuid"].AsString()).ToList();
        Assert.Equal(4, uuids.Distinct().Count());
        var mdevs = await ctx.Node.ExecCheckedAsync("ls /sys/bus/mdev/devices");
        Assert.All(uuids, u => Assert.Contains(u, mdevs, StringComparison.Ordinal));
        Assert.Equal("20", (await ctx.Node.ExecCheckedAsync("cat /sys/bus/pci/devices/0000:01:00.0/mdev_supported_types/nvidia-46/available_instances")).Trim());
        for (var i = 0; i < 4; i++)
        {
            Assert.Contains($"name: vm{210 + i}", await ctx.Node.ExecCheckedAsync($"qm config {210 + i}"), StringComparison.Ordinal);
        }

        await Task.WhenAll(states.Select(s => guests.DeleteAsync(s.State!)));
        Assert.Equal(before, await ctx.Node.ExecCheckedAsync(NodeTree));
    }

    [NodeFact]
    public async Task An_unreachable_licence_server_gives_a_diagnostic_that_says_what_to_check()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        var dls = new ResourceDriver(new DlsLicenseServerResource(), ctx.Context);
        var port = LoopbackPorts.Reserve();
        var (server, _) = await dls.ApplyAsync(Value.Object(
            ("node", Value.String(NodeContext.NodeName)), ("vmid", Value.Number(250)), ("ip_address", Value.String("dhcp")),
            ("dls_url", Value.String("127.0.0.1")), ("dls_port", Value.Number(port))), null);
        await ctx.Node.ExecCheckedAsync("pct stop 250");

        var dir = Directory.CreateTempSubdirectory("vgpuiac-guest-");
        var installer = Path.Combine(dir.FullName, NodeSim.FakeGuestDriver.FileName("535.129.03"));
        var sha = NodeSim.FakeGuestDriver.Write(installer, "535.129.03");
        var config = Guest(220, "nvidia-46", server!["client_token"])
            .With("guest_driver_source", Value.String(installer)).With("guest_driver_sha256", Value.String(sha));
        var (state, diagnostics) = await guests(ctx).ApplyAsync(config, null, expectErrors: true);

        var d = Assert.Single(diagnostics, x => x.IsError);
        Assert.Equal("The guest did not become licensed", d.Summary);
        Assert.Contains("cannot reach the licence server", d.Detail, StringComparison.Ordinal);
        Assert.Equal("license_token", d.Path!.ToString());
        // a failed create keeps nothing in state (a tainted state would make the next apply destroy the VM): the VM stays,
        // running, with its creation claim, and the next apply finishes it
        Assert.Null(state);
        Assert.Contains("status: running", await ctx.Node.ExecCheckedAsync("qm status 220"), StringComparison.Ordinal);
        Assert.Equal(0, (await ctx.Node.ExecAsync("test -e /var/lib/vgpu-iac/creating/220")).ExitCode);

        static ResourceDriver guests(NodeContext c) => new(new GuestResource(), c.Context);
    }
}
