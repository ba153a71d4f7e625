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
/// agent on and guest_setup not none, and the answer is the one the VM's own read gives. A Linux guest's agent part is one
/// <c>qm guest exec</c> (on a real node each <c>qm</c> is a ~0.3 s Perl process): its probe lists the guest's addresses
/// with the guest's own <c>ip</c>, and the agent's <c>network-get-interfaces</c> is asked only when that <c>ip</c> is
/// missing or failed, and for Windows guests. Counts come from the node's command log.
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

    private static GuestSpec WindowsSpec(long vmid) => GuestSpec.From(Value.Object(
        ("node", Value.String(NodeContext.NodeName)), ("vmid", Value.Number(vmid)), ("os", Value.String("windows")), ("guest_setup", Value.String("agent"))));

    /// <summary>The <c>qm guest ...</c> and <c>qm agent ...</c> processes started on the node since <paramref name="mark"/>.</summary>
    private static async Task<List<string>> AgentCallsAsync(SimulatedNode node, int mark) =>
        [.. (await node.ReadCommandLogAsync(mark))
            .Where(e => e.Kind.StartsWith("shim", StringComparison.Ordinal) && (e.Text.StartsWith("qm guest ", StringComparison.Ordinal) || e.Text.StartsWith("qm agent ", StringComparison.Ordinal)))
            .Select(e => string.Join(' ', e.Text.Split(' ').Take(4)))];

    /// <summary>What the agent's network-get-interfaces says (asked outside the command log), read as ip_addresses are.</summary>
    private static async Task<string[]> AgentAddressesAsync(SimulatedNode node, long vmid) =>
        [.. GuestAddresses.FromAgent(await node.ExecCheckedAsync($"qm agent {vmid} network-get-interfaces"))];

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
        // one snapshot for the node; per guest only the agent's answer, and only from the 10 running VMs with the agent on:
        // the probe, which lists the addresses too (PVE checks the agent itself, so no ping while it answers)
        Assert.Equal((1, 0, 10, 0), await QmCountsAsync(ctx.Node, mark));
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
        Assert.Equal((1, 0, 1), (list, perVm, agent)); // the probe's qm list; the agent's one call for the running VM
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
        // the failed probe and one ping; the addresses are not asked of an agent that does not run
        Assert.Equal((1, 0, 2, 1), await QmCountsAsync(ctx.Node, mark));
    }

    [NodeFact]
    public async Task A_linux_guest_s_read_is_one_qm_whose_probe_lists_the_addresses_the_agent_reports()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 270 --name lin --agent 1 --net0 virtio,bridge=vmbr0 && qm start 270");
        var agent = await AgentAddressesAsync(ctx.Node, 270);
        Assert.Equal(["10.10.1.22"], agent);
        var mark = await ctx.Node.CommandLogMarkAsync();
        var guestMark = (await ctx.Node.ReadGuestCommandLogAsync(270)).Count;

        var read = await GuestRead.WithGuestAsync(ctx.Shell, Spec(270), TimeProvider.System, CancellationToken.None);

        Assert.NotNull(read.Guest);
        Assert.Null(read.GuestError);
        Assert.Equal(agent, read.IpAddresses.ToArray());
        // one qm for the agent part, and no network-get-interfaces: the addresses came from the guest's own ip, run once
        Assert.Equal(["qm guest exec 270"], await AgentCallsAsync(ctx.Node, mark));
        Assert.Single(await ctx.Node.ReadGuestCommandLogAsync(270, guestMark), e => e.Text == "ip -o -4 addr show");

        // the VM's own read (the fallback when the node's snapshot cannot say) follows the same rule
        mark = await ctx.Node.CommandLogMarkAsync();
        var own = await GuestResource.ReadNodeAsync(ctx.Shell, Spec(270), CancellationToken.None);
        Assert.Equal(agent, own.IpAddresses.ToArray());
        Assert.Equal(["qm agent 270 ping", "qm guest exec 270"], await AgentCallsAsync(ctx.Node, mark));
    }

    [NodeFact]
    public async Task A_guest_without_a_working_ip_gets_its_addresses_from_the_agent_once()
    {
        await using var ctx = await NodeContext.StartAsync();
        // 271 has no ip (a minimal image); in 272 ip fails (a rule in the guest's own fault folder)
        await ctx.Node.ExecCheckedAsync(
            "qm create 271 --name noip --agent 1 --net0 virtio,bridge=vmbr0 && qm start 271 && touch /var/lib/nodesim/guests/271/root/etc/nodesim/ip_missing"
            + " && qm create 272 --name badip --agent 1 --net0 virtio,bridge=vmbr0 && qm start 272 && mkdir -p /var/lib/nodesim/guests/272/root/etc/nodesim/faults"
            + " && printf '%s\\n' \"MATCH='^ip '\" ACTION=fail EXIT=1 ONCE=0 \"STDERR='Cannot open netlink socket: Operation not permitted'\" > /var/lib/nodesim/guests/272/root/etc/nodesim/faults/ip");
        Assert.Contains("Failed to execute child process", await ctx.Node.ExecCheckedAsync("qm guest exec 271 -- ip -o -4 addr show 2>&1 || true"), StringComparison.Ordinal);
        Assert.Contains("\"exitcode\" : 1", await ctx.Node.ExecCheckedAsync("qm guest exec 272 -- ip -o -4 addr show"), StringComparison.Ordinal);

        foreach (var vmid in new long[] { 271, 272 })
        {
            var agent = await AgentAddressesAsync(ctx.Node, vmid);
            Assert.Equal([$"10.10.1.{vmid - 248}"], agent);
            var mark = await ctx.Node.CommandLogMarkAsync();

            var read = await GuestRead.WithGuestAsync(ctx.Shell, Spec(vmid), TimeProvider.System, CancellationToken.None);

            Assert.NotNull(read.Guest);
            Assert.Equal(agent, read.IpAddresses.ToArray());
            Assert.Equal([$"qm guest exec {vmid}", $"qm agent {vmid} network-get-interfaces"], await AgentCallsAsync(ctx.Node, mark));

            mark = await ctx.Node.CommandLogMarkAsync();
            Assert.Equal(agent, (await GuestResource.ReadNodeAsync(ctx.Shell, Spec(vmid), CancellationToken.None)).IpAddresses.ToArray());
            Assert.Equal([$"qm agent {vmid} ping", $"qm guest exec {vmid}", $"qm agent {vmid} network-get-interfaces"], await AgentCallsAsync(ctx.Node, mark));
        }
    }

    [NodeFact]
    public async Task A_windows_guest_s_read_still_asks_the_agent_for_its_addresses()
    {
        await using var ctx = await NodeContext.StartAsync();
        await ctx.Node.ExecCheckedAsync("qm create 273 --name win --ostype win11 --agent 1 --net0 virtio,bridge=vmbr0 && qm start 273");
        var agent = await AgentAddressesAsync(ctx.Node, 273);
        Assert.Equal(["10.10.1.25"], agent);
        var mark = await ctx.Node.CommandLogMarkAsync();

        var read = await GuestRead.WithGuestAsync(ctx.Shell, WindowsSpec(273), TimeProvider.System, CancellationToken.None);

        Assert.NotNull(read.Guest);
        Assert.Equal(agent, read.IpAddresses.ToArray());
        // nvidia-smi.exe and the addresses at the same time, then certutil; no driver yet, so nvidia-smi.exe does not start
        // and one ping tells that the agent runs
        Assert.Equal(
            ["qm agent 273 network-get-interfaces", "qm agent 273 ping", "qm guest exec 273", "qm guest exec 273"],
            (await AgentCallsAsync(ctx.Node, mark)).Order(StringComparer.Ordinal));

        mark = await ctx.Node.CommandLogMarkAsync();
        Assert.Equal(agent, (await GuestResource.ReadNodeAsync(ctx.Shell, WindowsSpec(273), CancellationToken.None)).IpAddresses.ToArray());
        Assert.Single(await AgentCallsAsync(ctx.Node, mark), c => c == "qm agent 273 network-get-interfaces");
    }
}
