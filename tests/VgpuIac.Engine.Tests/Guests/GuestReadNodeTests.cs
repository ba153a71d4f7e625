using VgpuIac.Engine.Guests;
using VgpuIac.Engine.Host;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.Engine.Values;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Guests;

/// <summary>
/// The guest read path (<see cref="GuestRead"/>) against the simulated node: what the node knows comes from one snapshot per
/// node (one <c>qm list</c>, no <c>qm config</c>/<c>qm status</c> per VM), the agent is asked only for running VMs with the
/// agent on and guest_setup not none, and the answer is the one the VM's own read gives. Counts come from the node's command log.
/// </summary>
public sealed class GuestReadNodeTests
{
    private static GuestSpec Spec(long vmid, string setup = "agent") => GuestSpec.From(Value.Object(
        ("node", Value.String(NodeContext.NodeName)), ("vmid", Value.Number(vmid)), ("guest_setup", Value.String(setup))));

    private static async Task<(int List, int PerVm, int Agent, int Ping)> QmCountsAsync(SimulatedNode node, int mark)
    {
        var qm = (await node.ReadCommandLogAsync(mark)).Where(e => e.Kind.StartsWith("shim", StringComparison.Ordinal) && e.Text.StartsWith("qm ", StringComparison.Ordinal)).ToList();
        return (
            qm.Count(e => e.Text.StartsWith("qm list", StringComparison.Ordinal)),
            qm.Count(e => e.Text.StartsWith("qm config", StringComparison.Ordinal) || e.Text.StartsWith("qm status", StringComparison.Ordinal)),
            qm.Count(e => e.Text.StartsWith("qm guest", StringComparison.Ordinal) || e.Text.StartsWith("qm agent", StringComparison.Ordinal)),
            qm.Count(e => e.Text.Contains(" ping", StringComparison.Ordinal)));
    }

    private static void AssertSame(GuestNodeState expected, GuestNodeState actual)
    {
        Assert.Equal(expected.Exists, actual.Exists);
        Assert.Equal(expected.Running, actual.Running);
        Assert.Equal(expected.Config?.Entries.ToArray(), actual.Config?.Entries.ToArray());
        Assert.Equal(expected.Guest?.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray(), actual.Guest?.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToArray());
        Assert.Equal(expected.IpAddresses.ToArray(), actual.IpAddresses.ToArray());
    }

    [NodeFact]
    public async Task Twenty_guest_reads_start_one_qm_list_and_ask_only_the_agents_that_run()
    {
        await using var ctx = await NodeContext.StartAsync();
        // 200-209 running with the agent, 210-214 stopped with the agent, 215-217 running without the agent, 218-219 running, setup none
        await ctx.Node.ExecCheckedAsync(string.Join(" && ", Enumerable.Range(200, 20).Select(id =>
            $"qm create {id} --name vm{id} --agent {(id is >= 215 and <= 217 ? 0 : 1)}" + (id is >= 210 and <= 214 ? string.Empty : $" && qm start {id}"))));
        var shell = ctx.Shell;
        var mark = await ctx.Node.CommandLogMarkAsync();

        var reads = await Task.WhenAll(Enumerable.Range(200, 21).Select(id =>
            GuestRead.WithGuestAsync(shell, Spec(id, id >= 218 ? "none" : "agent"), TimeProvider.System, CancellationToken.None)));

        Assert.All(reads.Take(20), r => Assert.True(r.Exists));
        Assert.False(reads[20].Exists); // 220: no config on the node
        Assert.Equal(Enumerable.Range(200, 20).Select(id => id is < 210 or > 214), reads.Take(20).Select(r => r.Running)); // stopped is not missing
        Assert.All(reads.Take(10), r => Assert.NotNull(r.Guest));
        Assert.All(reads.Skip(10).Take(10), r => Assert.Null(r.Guest));
        // one snapshot for the node; per guest only the agent's answers, and only from the 10 running VMs with the agent on:
        // the probe and the addresses (PVE checks the agent itself, so no ping while it answers)
        Assert.Equal((1, 0, 20, 0), await QmCountsAsync(ctx.Node, mark));
        Assert.Equal(1, VmSnapshotCache.ReadsStarted(shell));

        // the same answers as the VM's own read
        foreach (var id in new[] { 200, 205, 210, 215, 218, 220 })
        {
            var spec = Spec(id, id >= 218 ? "none" : "agent");
            AssertSame(await GuestResource.ReadNodeAsync(shell, spec, CancellationToken.None), await GuestRead.WithGuestAsync(shell, spec, TimeProvider.System, CancellationToken.None));
        }
    }

    [NodeFact]
    public async Task The_node_facts_probe_answers_the_guest_reads_that_follow_it_in_the_same_round_trip()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 240 --name a --agent 1 && qm start 240 && qm create 241 --name b");
        var shell = ctx.Shell;
        var mark = await ctx.Node.CommandLogMarkAsync();

        // the host driver's read (or vgpu_node) probes the node first: its one qm list also lists the VMs for the guests
        var facts = await NodeFactsCache.Shared.GetAsync(shell, TimeProvider.System, CancellationToken.None);
        Assert.Contains(facts.Vms, vm => vm.VmId == 240);
        var reads = await Task.WhenAll(new[] { 240, 241, 242 }.Select(id =>
            GuestRead.WithGuestAsync(shell, Spec(id), TimeProvider.System, CancellationToken.None)));

        Assert.Equal([true, true, false], reads.Select(r => r.Exists));
        Assert.Equal([true, false, false], reads.Select(r => r.Running));
        Assert.Equal(0, VmSnapshotCache.ReadsStarted(shell));
        var (list, perVm, agent, _) = await QmCountsAsync(ctx.Node, mark);
        Assert.Equal((1, 0, 2), (list, perVm, agent)); // the probe's qm list; the agent's two calls for the running VM
        foreach (var id in new[] { 240, 241, 242 })
        {
            AssertSame(await GuestResource.ReadNodeAsync(shell, Spec(id), CancellationToken.None), await GuestRead.WithGuestAsync(shell, Spec(id), TimeProvider.System, CancellationToken.None));
        }

        // a change through the shell after the probe: the probe's listing is not used, the guests read the node again
        await shell.RunAsync(GuestCommands.Stop(Spec(240)), CancellationToken.None);
        Assert.False((await GuestRead.WithGuestAsync(shell, Spec(240), TimeProvider.System, CancellationToken.None)).Running);
        Assert.Equal(1, VmSnapshotCache.ReadsStarted(shell));
    }

    [NodeFact]
    public async Task A_change_through_the_shell_is_seen_by_the_next_read()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 230 --name before --agent 1 && qm start 230 && qm create 231 --name other");
        var shell = ctx.Shell;
        var spec = Spec(230);
        Assert.True((await GuestRead.WithGuestAsync(shell, spec, TimeProvider.System, CancellationToken.None)).Running);

        await shell.RunAsync(GuestCommands.Stop(spec), CancellationToken.None);
        var stopped = await GuestRead.WithGuestAsync(shell, spec, TimeProvider.System, CancellationToken.None);
        Assert.True(stopped.Exists);
        Assert.False(stopped.Running);
        Assert.Null(stopped.Guest);

        await shell.RunAsync(RemoteCommand.Of("qm", "set", "230", "--name", "after").AsMutating(), CancellationToken.None);
        Assert.Equal("after", (await GuestRead.NodeOnlyAsync(shell, spec, TimeProvider.System, CancellationToken.None)).Config!.Name);

        await shell.RunAsync(GuestCommands.Destroy(spec), CancellationToken.None);
        Assert.False((await GuestRead.NodeOnlyAsync(shell, spec, TimeProvider.System, CancellationToken.None)).Exists);
        Assert.True((await GuestRead.NodeOnlyAsync(shell, Spec(231), TimeProvider.System, CancellationToken.None)).Exists);
        Assert.Equal(4, VmSnapshotCache.ReadsStarted(shell));
    }

    [NodeFact]
    public async Task A_snapshot_cut_short_is_never_read_as_absent()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 240 --name kept");
        await ctx.Node.DropConnectionAsync("^qm list", once: true);
        var mark = await ctx.Node.CommandLogMarkAsync();

        var read = await GuestRead.WithGuestAsync(ctx.Shell, Spec(240), TimeProvider.System, CancellationToken.None);

        Assert.True(read.Exists);
        Assert.Equal("kept", read.Config!.Name);
        Assert.False(read.Running);
        Assert.Equal(1, VmSnapshotCache.ReadsStarted(ctx.Shell));
        Assert.True((await QmCountsAsync(ctx.Node, mark)).PerVm >= 1, "the VM was read by itself after the snapshot failed");
    }

    [NodeFact]
    public async Task A_failed_status_listing_falls_back_to_the_vm_s_own_read()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 250 --name up && qm start 250");
        await ctx.Node.FailNextAsync("^qm list", exitCode: 2, stderr: "ipcc_send_rec failed");

        var read = await GuestRead.NodeOnlyAsync(ctx.Shell, Spec(250), TimeProvider.System, CancellationToken.None);

        Assert.True(read.Exists);
        Assert.True(read.Running);
    }

    [NodeFact]
    public async Task An_agent_that_does_not_answer_is_pinged_once_and_the_guest_is_not_asked_further()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 260 --name quiet --agent 1 && qm start 260 && touch /etc/nodesim/guest_agent_down_260");
        var mark = await ctx.Node.CommandLogMarkAsync();

        var read = await GuestRead.WithGuestAsync(ctx.Shell, Spec(260), TimeProvider.System, CancellationToken.None);

        Assert.True(read.Running);
        Assert.Null(read.Guest);
        Assert.Empty(read.IpAddresses);
        // the failed probe, the addresses asked at the same time (their answer is dropped) and one ping
        Assert.Equal((1, 0, 3, 1), await QmCountsAsync(ctx.Node, mark));
    }
}
