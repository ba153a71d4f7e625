using System.Diagnostics;
using System.Net.Sockets;
using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

public sealed class RebootTests
{
    [NodeFact]
    public async Task Reboot_drops_the_connection_refuses_then_comes_back_with_boot_count_plus_one()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { RebootDelay = 1.5 }, CancellationToken.None);
        await node.ExecCheckedAsync("setsid sleep 1000 >/dev/null 2>&1 < /dev/null & mkdir -p /run/nodesim && touch /run/nodesim/volatile /etc/persistent");
        var mark = await node.CommandLogMarkAsync();

        using var ssh = NodeSsh.Connect(node);
        var sw = Stopwatch.StartNew();
        var dropped = Record.Exception(() => ssh.RunCommand("reboot"));
        Assert.NotNull(dropped);
        Assert.True(NodeSsh.IsConnectionDrop(dropped), dropped.ToString());
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"drop took {sw.Elapsed}");

        var refused = false;
        while (sw.Elapsed < TimeSpan.FromSeconds(1.2))
        {
            using var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync("127.0.0.1", node.Port);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionRefused)
            {
                refused = true;
                break;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // sshd was still closing its listener: the connection was accepted and reset; the refusal comes next
            }

            await Task.Delay(50);
        }

        Assert.True(refused, "the port never refused during the reboot");
        await node.WaitForSshAsync(TimeSpan.FromSeconds(20));
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1.4), $"came back too early: {sw.Elapsed}");
        Assert.Equal(2, node.BootCount);

        var (_, output, _) = NodeSsh.Run(node, "cat /var/lib/nodesim/boot_count; pgrep -c sleep; ls /run/nodesim/volatile 2>&1 | grep -c 'No such'; ls /etc/persistent");
        Assert.Equal("2\n0\n1\n/etc/persistent\n", output);
        var log = await node.ReadCommandLogAsync(mark);
        Assert.Contains(log, e => e.Kind == CommandLogKind.ShimMutate && e.Text == "reboot");
        Assert.Contains(log, e => e.Kind == CommandLogKind.Exec && e.Text == "reboot" && e.ExitCode == 255);
        Assert.Contains(log, e => e.Kind == CommandLogKind.Boot && e.Text == "boot 2");
    }

    [NodeFact]
    public async Task Systemctl_reboot_and_shutdown_r_reboot_too()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { RebootDelay = 0.1 }, CancellationToken.None);
        foreach (var (command, expectedBoot) in new[] { ("systemctl reboot", 2), ("shutdown -r now", 3) })
        {
            using var ssh = NodeSsh.Connect(node);
            Assert.NotNull(Record.Exception(() => ssh.RunCommand(command)));
            await WaitFor(() => node.BootCount == expectedBoot);
            await node.WaitForSshAsync(TimeSpan.FromSeconds(20));
        }

        Assert.Equal(3, node.BootCount);
    }

    [NodeFact]
    public async Task Reboot_never_keeps_sshd_down()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { RebootDelay = 0.1 }, CancellationToken.None);
        await node.RebootNeverReturnsAsync();
        await node.RebootAsync();
        Assert.Equal(2, node.BootCount);
        // the boot reached the point where sshd would start, and logged that it stays down
        var bootLog = Path.Combine(node.SandboxDir, "log", "boot.log");
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (!(File.Exists(bootLog) && (await File.ReadAllTextAsync(bootLog)).Contains("reboot_never: sshd stays down", StringComparison.Ordinal)))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the second boot never reached the point where sshd starts");
            await Task.Delay(20);
        }

        Assert.False(await node.IsSshUpAsync());
        await Assert.ThrowsAsync<TimeoutException>(() => node.WaitForSshAsync(TimeSpan.FromSeconds(1)));
        // the node itself is still there for inspection
        Assert.Equal("2\n", (await node.ExecAsync("cat /var/lib/nodesim/boot_count")).StandardOutput);
    }

    [NodeFact]
    public async Task Reboot_delay_can_be_changed_at_runtime()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { RebootDelay = 5 }, CancellationToken.None);
        await node.SetRebootDelayAsync(0.1);
        var sw = Stopwatch.StartNew();
        await node.RebootAsync();
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), $"reboot took {sw.Elapsed}");
        Assert.True(await node.IsSshUpAsync());
    }

    internal static async Task WaitFor(Func<bool> condition, int timeoutMs = 20000)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(sw.ElapsedMilliseconds < timeoutMs, "condition not reached in time");
            await Task.Delay(20);
        }
    }
}
