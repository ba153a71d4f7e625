using System.Diagnostics;
using System.Security.Cryptography;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Ssh;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>The transport against the simulated PVE node: its real reboot, fault injection and command log.</summary>
public sealed class SimulatedNodeTransportTests
{
    private static readonly SshTransportOptions FastOptions = SimulatedNodeSettings.FastTransport;

    private static CancellationToken Timeout(int seconds = 90) => SimulatedNodeSettings.Deadline(seconds);

    private static NodeSettings Settings(SimulatedNode node) => SimulatedNodeSettings.For(node);

    [NodeFact]
    public async Task Reboot_through_the_reboot_command_reconnects_after_the_node_is_back()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { RebootDelay = 1.5 }, Timeout());
        var log = new RecordingLog();
        await using var shell = new SshRemoteShell(Settings(node), log, FastOptions);
        await shell.ConnectAsync(Timeout());

        var sw = Stopwatch.StartNew();
        await shell.RebootAsync(RemoteCommand.Of("reboot").AsMutating(), TimeSpan.FromSeconds(60), Timeout());

        Assert.Equal(2, node.BootCount);
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1.5), $"waited for the node ({sw.Elapsed})");
        Assert.Equal(2, shell.ConnectionsOpened);
        Assert.True((await shell.RunAsync(RemoteCommand.Of("true"), Timeout())).Succeeded);
    }

    [NodeFact]
    public async Task Reboot_that_never_comes_back_times_out()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { RebootDelay = 1 }, Timeout());
        await node.RebootNeverReturnsAsync(ct: Timeout());
        await using var shell = new SshRemoteShell(Settings(node) with { ConnectTimeout = TimeSpan.FromSeconds(2) }, new RecordingLog(), FastOptions);
        await shell.ConnectAsync(Timeout());

        var e = await Assert.ThrowsAsync<NodeConnectionException>(() =>
            shell.RebootAsync(RemoteCommand.Of("reboot").AsMutating(), TimeSpan.FromSeconds(5), Timeout()));

        Assert.True(e.RebootTimedOut);
        Assert.NotNull(e.Remedy);
    }

    [NodeFact]
    public async Task Faults_drop_mid_command_full_disk_and_command_log_show_transport_behaviour()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), Timeout());
        await using var shell = new SshRemoteShell(Settings(node), new RecordingLog(), FastOptions);

        // A connection dropped while a command runs.
        await node.DropConnectionAsync("sleep 7\\.25", afterSeconds: 0.3, ct: Timeout());
        var dropped = await Assert.ThrowsAsync<NodeConnectionException>(() => shell.RunAsync(RemoteCommand.Of("sleep", "7.25"), Timeout()));
        Assert.True(dropped.DroppedMidCommand);
        Assert.Equal("ok\n", (await shell.RunAsync(RemoteCommand.Of("echo", "ok"), Timeout())).StandardOutput);

        // Atomic write: mode and owner, then a full disk keeps the old content.
        const string path = "/etc/vgpu_unlock/profile_override.toml";
        await shell.WriteFileAsync(new RemoteFile { Path = path, Content = "[profile.nvidia-46]\n"u8.ToArray(), Mode = 0x180 }, Timeout());
        Assert.Equal("600 root root\n", (await shell.RunAsync(RemoteCommand.Of("stat", "-c", "%a %U %G", path), Timeout())).StandardOutput);
        await node.DiskFullAsync(true, Timeout());
        var full = await Assert.ThrowsAsync<NodeConnectionException>(() =>
            shell.WriteFileAsync(new RemoteFile { Path = path, Content = new byte[512 * 1024] }, Timeout()));
        Assert.True(full.OperationFailed);
        await node.DiskFullAsync(false, Timeout());
        Assert.Equal("[profile.nvidia-46]\n", node.ReadUpperOrNull(path));
        Assert.Empty(Directory.GetFiles(Path.Combine(node.UpperDir, "etc/vgpu_unlock"), ".vgpuiac-tmp.*"));

        // Upload: the second one only checks the remote SHA-256.
        var local = Path.Combine(node.SandboxDir, "driver.run");
        var bytes = RandomNumberGenerator.GetBytes(512 * 1024);
        await File.WriteAllBytesAsync(local, bytes, Timeout());
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        Assert.True(await shell.UploadAsync(local, "/root/driver.run", sha, null, Timeout()));
        var mark = await node.CommandLogMarkAsync(Timeout());
        Assert.False(await shell.UploadAsync(local, "/root/driver.run", sha, null, Timeout()));
        var execs = (await node.ReadCommandLogAsync(mark, Timeout())).Where(e => e.Kind == "exec").ToList();
        Assert.Single(execs);
        Assert.Contains("sha256sum", execs[0].Text, StringComparison.Ordinal);
    }

    [NodeFact]
    public async Task Cancelled_command_is_stopped_on_the_node()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), Timeout());
        await using var shell = new SshRemoteShell(Settings(node), new RecordingLog(), FastOptions);
        await shell.ConnectAsync(Timeout());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => shell.RunAsync(RemoteCommand.Of("sleep", "33.5"), cts.Token));
        // the session is stopped on the node (TERM, then KILL after 1 s): poll until the command is gone, with a deadline
        var stopped = System.Diagnostics.Stopwatch.StartNew();
        while ((await node.ExecAsync("pgrep -fx 'sleep 33.5' || true", Timeout())).StandardOutput.Trim().Length > 0)
        {
            Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(15), "the cancelled command still runs on the node");
            await Task.Delay(50);
        }
    }
}
