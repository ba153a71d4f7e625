using System.Diagnostics;
using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

public sealed class FaultInjectionTests(SharedNodeFixture fixture) : IClassFixture<SharedNodeFixture>
{
    [NodeFact]
    public async Task Fail_next_fails_once_with_the_given_exit_code_and_stderr()
    {
        var node = fixture.Require();
        await node.FailNextAsync("^echo fail-me", 42, "E: simulated failure");

        var first = NodeSsh.Run(node, "echo fail-me");
        var second = NodeSsh.Run(node, "echo fail-me");

        Assert.Equal(42, first.Exit);
        Assert.Equal("", first.Out);
        Assert.Equal("E: simulated failure\n", first.Err);
        Assert.Equal(0, second.Exit);
        Assert.Equal("fail-me\n", second.Out);
    }

    [NodeFact]
    public async Task Fail_rules_match_shim_calls_inside_scripts()
    {
        var node = fixture.Require();
        var id = await node.FailNextAsync("^systemctl restart nvidia-vgpu-mgr", 1, "Job for nvidia-vgpu-mgr.service failed.");
        var (exit, output, error) = NodeSsh.Run(node, "echo before; systemctl restart nvidia-vgpu-mgr; echo rc=$?");
        Assert.Equal(0, exit);
        Assert.Equal("before\nrc=1\n", output);
        Assert.Equal("Job for nvidia-vgpu-mgr.service failed.\n", error);
        Assert.False(File.Exists(Path.Combine(node.UpperDir, "etc/nodesim/faults", id)) && (await node.ExecAsync($"test -e /etc/nodesim/faults/{id}")).Succeeded);
    }

    [NodeFact]
    public async Task Delay_slows_matching_commands_only()
    {
        var node = fixture.Require();
        var id = await node.DelayAsync("^sleepy", 1.0);
        try
        {
            var sw = Stopwatch.StartNew();
            NodeSsh.Run(node, "echo fast sleepy");
            var fast = sw.Elapsed;
            sw.Restart();
            NodeSsh.Run(node, "sleepy=1; echo slow");
            var slow = sw.Elapsed;
            Assert.True(slow - fast > TimeSpan.FromSeconds(0.8), $"fast {fast}, slow {slow}");
        }
        finally
        {
            await node.ClearFaultsAsync(id);
        }
    }

    [NodeFact]
    public async Task Drop_connection_cuts_the_session_and_is_logged_with_255()
    {
        var node = fixture.Require();
        var mark = await node.CommandLogMarkAsync();
        await node.DropConnectionAsync("drop-here");
        using var ssh = NodeSsh.Connect(node);
        var sw = Stopwatch.StartNew();
        var e = Record.Exception(() => ssh.RunCommand("echo drop-here; sleep 5"));
        Assert.NotNull(e);
        Assert.True(NodeSsh.IsConnectionDrop(e), e.ToString());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), $"drop took {sw.Elapsed}");
        var log = await node.ReadCommandLogAsync(mark);
        Assert.Contains(log, l => l.Kind == CommandLogKind.Exec && l.Text.Contains("drop-here", StringComparison.Ordinal) && l.ExitCode == 255);
        // the node still serves new connections
        Assert.Equal(0, NodeSsh.Run(node, "true").Exit);
    }

    [NodeFact]
    public async Task Disk_full_makes_writes_fail_with_enospc_until_freed()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), CancellationToken.None);
        await node.DiskFullAsync(true);
        var full = NodeSsh.Run(node, "head -c 1048576 /dev/zero > /root/big; echo rc=$?");
        Assert.Contains("No space left on device", full.Err, StringComparison.Ordinal);
        Assert.Contains("rc=1", full.Out, StringComparison.Ordinal);

        await node.DiskFullAsync(false);
        var ok = NodeSsh.Run(node, "head -c 1048576 /dev/zero > /root/big; echo rc=$?");
        Assert.Equal("rc=0\n", ok.Out);
    }
}
