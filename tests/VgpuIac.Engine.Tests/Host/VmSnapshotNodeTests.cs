using VgpuIac.Engine.Host;
using VgpuIac.Engine.Parsing.Pve;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Host;

/// <summary>The per-node VM snapshot against the simulated node: one round trip, one <c>qm</c> process, shared, invalidated by changes.</summary>
public sealed class VmSnapshotNodeTests
{
    private static async Task<(int Execs, int Qm)> CountAsync(SimulatedNode node, int mark)
    {
        var log = await node.ReadCommandLogAsync(mark);
        return (log.Count(e => e.Kind == "exec"), log.Count(e => e.Kind.StartsWith("shim", StringComparison.Ordinal) && e.Text.StartsWith("qm ", StringComparison.Ordinal)));
    }

    [NodeFact]
    public async Task One_round_trip_reads_every_config_the_status_listing_and_the_live_mdevs()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        await ctx.Node.ExecCheckedAsync(
            "qm create 104 --name dsm --agent 1 --hostpci0 0000:01:00.0,mdev=nvidia-46 && qm start 104 && " +
            "qm create 105 --name idle --hostpci0 0000:01:00.0,mdev=nvidia-46");
        var cache = new VmSnapshotCache(TimeSpan.FromMinutes(1));
        var mark = await ctx.Node.CommandLogMarkAsync();

        var snapshot = await cache.GetAsync(ctx.Shell, TimeProvider.System, CancellationToken.None);

        Assert.True(snapshot.Complete);
        Assert.True(snapshot.StatusListed);
        Assert.Empty(snapshot.Warnings);
        Assert.Equal([104, 105], snapshot.Vms.Keys);
        var running = snapshot.Find(104)!;
        Assert.Equal(("dsm", "running", true), (running.Name, running.Status, running.AgentEnabled));
        var mdev = Assert.Single(running.Mdevs);
        Assert.Equal(("00000000-0000-0000-0000-000000000104", "0000:01:00.0", "nvidia-46"), (mdev.Uuid, mdev.Parent, mdev.TypeId));
        Assert.Equal("nvidia-46", Assert.Single(running.HostPci).MdevType);
        var stopped = snapshot.Find(105)!;
        Assert.Equal(("idle", "stopped", false), (stopped.Name, stopped.Status, stopped.AgentEnabled));
        Assert.Empty(stopped.Mdevs);
        Assert.Null(snapshot.Find(106));
        foreach (var vmId in new[] { 104, 105 })
        {
            var shown = QmConfigParser.Parse(await ctx.Node.ExecCheckedAsync($"qm config {vmId}")).Value;
            Assert.Equal(shown.Entries.ToArray(), snapshot.Find(vmId)!.Config!.Entries.ToArray());
            Assert.Equal(shown.Description, snapshot.Find(vmId)!.Config!.Description);
        }

        Assert.Equal((1, 1), await CountAsync(ctx.Node, mark));
    }

    [NodeFact]
    public async Task The_node_facts_probe_reads_hostpci_from_each_configs_own_section_and_the_live_mdevs_as_sysfs_links_them()
    {
        await using var ctx = await NodeContext.StartAsync();
        await HostDriverSetup.InstallAsync(ctx.Node);
        await ctx.Node.ExecCheckedAsync(
            "qm create 104 --name dsm --hostpci0 0000:01:00.0,mdev=nvidia-46 --hostpci1 0000:01:00.0,mdev=nvidia-46 && qm start 104 && " +
            "qm create 105 --name idle && qm create 106 --name gpu --hostpci0 0000:01:00.0,mdev=nvidia-48 && " +
            // a snapshot section's hostpci is not the VM's: the probe reads each file's main section only
            "printf '\\n[before-gpu]\\nhostpci0: 0000:01:00.0,mdev=nvidia-49\\nname: old\\n' >> /etc/pve/qemu-server/105.conf");

        var facts = await NodeFactsProbe.RunAsync(ctx.Shell, CancellationToken.None);

        var byId = facts.Vms.ToDictionary(v => v.VmId);
        Assert.Equal([(104, "hostpci0", "nvidia-46"), (104, "hostpci1", "nvidia-46"), (106, "hostpci0", "nvidia-48")],
            facts.Vms.SelectMany(v => v.HostPci.Select(h => (v.VmId, h.Slot, h.MdevType))).ToArray());
        Assert.Empty(byId[105].HostPci);
        var live = (await ctx.Node.ExecCheckedAsync(
            "for d in /sys/bus/mdev/devices/*; do p=$(readlink -f \"$d\"); t=$(readlink -f \"$d/mdev_type\"); " +
            "printf '%s %s %s\\n' \"${d##*/}\" \"$(basename \"$(dirname \"$p\")\")\" \"${t##*/}\"; done"))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, live.Length);
        Assert.Equal(live, facts.LiveMdevs.Select(m => $"{m.Uuid} {m.Parent} {m.TypeId}").ToArray());
    }

    [NodeFact]
    public async Task Concurrent_guest_reads_share_one_snapshot_and_only_a_change_through_the_shell_drops_it()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync(string.Join(" && ", Enumerable.Range(200, 20).Select(id => $"qm create {id} --name vm{id}")));
        var cache = new VmSnapshotCache(TimeSpan.FromMinutes(1));
        var shell = ctx.Shell;
        var mark = await ctx.Node.CommandLogMarkAsync();

        var reads = await Task.WhenAll(Enumerable.Range(200, 20).Select(id => cache.GetAsync(shell, id, CancellationToken.None)));

        Assert.Equal(Enumerable.Range(200, 20).Select(id => $"vm{id}"), reads.Select(r => r!.Name));
        Assert.Equal((1, 1), await CountAsync(ctx.Node, mark));

        await shell.RunAsync(RemoteCommand.Of("true"), CancellationToken.None);
        Assert.Equal("vm201", (await cache.GetAsync(shell, 201, CancellationToken.None))!.Name);
        Assert.Equal((2, 1), await CountAsync(ctx.Node, mark));

        await shell.RunAsync(RemoteCommand.Of("qm", "set", "201", "--name", "renamed").AsMutating(), CancellationToken.None);
        Assert.Equal("renamed", (await cache.GetAsync(shell, 201, CancellationToken.None))!.Name);
        Assert.Equal((4, 3), await CountAsync(ctx.Node, mark));
        Assert.Equal(2, VmSnapshotCache.ReadsStarted(shell));
    }

    [NodeFact]
    public async Task A_read_waits_for_a_change_in_flight_through_the_shell_and_sees_its_result()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 320 --name before");
        await ctx.Node.DelayAsync("^qm set", 1, once: true);
        var cache = new VmSnapshotCache(TimeSpan.FromMinutes(1));
        var shell = ctx.Shell;

        var change = shell.RunAsync(RemoteCommand.Of("qm", "set", "320", "--name", "after").AsMutating(), CancellationToken.None);
        var read = cache.GetAsync(shell, 320, CancellationToken.None);

        Assert.Equal("after", (await read)!.Name);
        Assert.Equal(0, (await change).ExitCode);
        Assert.Equal(1, VmSnapshotCache.ReadsStarted(shell));
    }

    [NodeFact]
    public async Task A_caller_that_gives_up_does_not_cancel_the_shared_read_of_the_others()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 300 --name patient");
        await ctx.Node.DelayAsync("^qm list", 1.5, once: true);
        var cache = new VmSnapshotCache(TimeSpan.FromMinutes(1));
        using var impatient = new CancellationTokenSource();

        var first = cache.GetAsync(ctx.Shell, 300, impatient.Token);
        var second = cache.GetAsync(ctx.Shell, 300, CancellationToken.None);
        await impatient.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.Equal("patient", (await second)!.Name);
        Assert.Equal(1, VmSnapshotCache.ReadsStarted(ctx.Shell));
        Assert.Equal("patient", (await cache.GetAsync(ctx.Shell, 300, CancellationToken.None))!.Name);
        Assert.Equal(1, VmSnapshotCache.ReadsStarted(ctx.Shell));
    }

    [NodeFact]
    public async Task A_listing_cut_short_is_an_error_and_is_not_kept()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 310 --name later");
        await ctx.Node.DropConnectionAsync("^qm list", once: true);
        var cache = new VmSnapshotCache(TimeSpan.FromMinutes(1));

        await Assert.ThrowsAsync<NodeConnectionException>(() => cache.GetAsync(ctx.Shell, 310, CancellationToken.None));

        Assert.Equal("later", (await cache.GetAsync(ctx.Shell, 310, CancellationToken.None))!.Name);
        Assert.Equal(2, VmSnapshotCache.ReadsStarted(ctx.Shell));
    }
}
