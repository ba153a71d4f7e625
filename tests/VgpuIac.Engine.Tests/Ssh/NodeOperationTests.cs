using System.Security.Cryptography;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Ssh;
using VgpuIac.Engine.Tests.Support;
using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>
/// What the shared node code does on the simulated node: detached operations that outlive their SSH session and hold
/// their lock on the node (issue 10 item 6); uploads and downloads that set our owner and mode and keep URLs off
/// command lines (issue 13 items 1 and 4).
/// </summary>
public sealed class NodeOperationTests
{
    private static readonly SshTransportOptions FastOptions = SimulatedNodeSettings.FastTransport;

    private static CancellationToken Timeout(int seconds = 90) => SimulatedNodeSettings.Deadline(seconds);

    private static NodeSettings Settings(SimulatedNode node) => SimulatedNodeSettings.For(node);

    [NodeFact]
    public async Task Detached_operation_outlives_its_connection_keeps_its_lock_and_leaves_its_status()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), Timeout());
        var op = RemoteCommand.Of("sh", "-c", "sleep 2; touch /root/op-done; echo finished; exit 3").WithTimeout(TimeSpan.FromMinutes(1));

        // The starting connection goes away right after the start (as when the provider is killed).
        await using (var first = new SshRemoteShell(Settings(node), new RecordingLog(), FastOptions))
        {
            var started = await first.RunAsync(RemoteOperation.Start("op-drop", Guid.NewGuid().ToString("N"), op), Timeout());
            Assert.True(started.Succeeded, started.StandardError);
        }

        await using var second = new SshRemoteShell(Settings(node), new RecordingLog(), FastOptions);

        // Still running: a second start is refused (busy), a short wait says it still runs.
        var again = await second.RunAsync(RemoteOperation.Start("op-drop", Guid.NewGuid().ToString("N"), op), Timeout());
        Assert.True(RemoteOperation.StillRunning(again), again.StandardError);
        Assert.False(await RemoteOperation.AwaitIdleAsync(second, "op-drop", TimeSpan.FromSeconds(1), TimeProvider.System, Timeout()));
        Assert.NotEqual(0, (await node.ExecAsync("test -e /root/op-done")).ExitCode);

        // The wait ends when the operation does; it finished by itself and left its exit status on the node.
        Assert.True(await RemoteOperation.AwaitIdleAsync(second, "op-drop", TimeSpan.FromMinutes(1), TimeProvider.System, Timeout()));
        Assert.Equal(0, (await node.ExecAsync("test -e /root/op-done")).ExitCode);
        Assert.Equal("3", (await node.ExecCheckedAsync("cat /var/lib/vgpu-iac/ops/op-drop/status")).Trim());
        Assert.Equal(1, (await node.ExecAsync("pgrep -f '[s]leep 2; touch /root/op-done' >/dev/null")).ExitCode);

        // A run through RunAsync gives the operation's own status and output.
        var result = await RemoteOperation.RunAsync(second, "op-drop", op, TimeProvider.System, Timeout());
        Assert.Equal(3, result.ExitCode);
        Assert.Equal("finished\n", result.StandardOutput);
    }

    [NodeFact]
    public async Task Cancelling_the_wait_leaves_the_operation_running_and_its_lock_held()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), Timeout());
        await using var shell = new SshRemoteShell(Settings(node), new RecordingLog(), FastOptions);
        var op = RemoteCommand.Of("sh", "-c", "while [ ! -e /root/go ]; do sleep 0.1; done; touch /root/cancel-done").WithTimeout(TimeSpan.FromMinutes(1));
        using var cancel = new CancellationTokenSource();
        var run = RemoteOperation.RunAsync(shell, "op-cancel", op, TimeProvider.System, cancel.Token);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await node.ExecAsync("pgrep -f '[w]hile .* /root/go' >/dev/null")).ExitCode != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the operation never started");
            await Task.Delay(100);
        }

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);

        // the operation did not stop with the cancelled wait: it still holds its lock until it ends by itself
        Assert.False(await RemoteOperation.AwaitIdleAsync(shell, "op-cancel", TimeSpan.FromSeconds(1), TimeProvider.System, Timeout()));
        await node.ExecCheckedAsync("touch /root/go");
        Assert.True(await RemoteOperation.AwaitIdleAsync(shell, "op-cancel", TimeSpan.FromMinutes(1), TimeProvider.System, Timeout()));
        Assert.Equal(0, (await node.ExecAsync("test -e /root/cancel-done")).ExitCode);
    }

    [NodeFact]
    public async Task Upload_never_copies_the_local_mode_and_the_sha_shortcut_still_sets_owner_and_mode()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), Timeout());
        await using var shell = new SshRemoteShell(Settings(node), new RecordingLog(), FastOptions);
        var local = Path.Combine(node.SandboxDir, "libvgpu_unlock_rs.so");
        var bytes = RandomNumberGenerator.GetBytes(64 * 1024);
        await File.WriteAllBytesAsync(local, bytes, Timeout());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(local, (UnixFileMode)Convert.ToInt32("666", 8));
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var config = Path.Combine(node.SandboxDir, "settings.conf");
        await File.WriteAllTextAsync(config, "a = 1\n", Timeout());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(config, (UnixFileMode)Convert.ToInt32("666", 8));
        }

        Assert.True(await shell.UploadAsync(local, "/opt/lib/libvgpu_unlock_rs.so", sha, null, Timeout()));
        Assert.True(await shell.UploadAsync(config, "/etc/vgpuiac-test/settings.conf", Convert.ToHexStringLower(SHA256.HashData("a = 1\n"u8.ToArray())), RemoteFile.ConfigMode, null, Timeout()));
        Assert.Equal("755 root root", (await node.ExecCheckedAsync("stat -c '%a %U %G' /opt/lib/libvgpu_unlock_rs.so")).Trim());
        Assert.Equal("644 root root", (await node.ExecCheckedAsync("stat -c '%a %U %G' /etc/vgpuiac-test/settings.conf")).Trim());

        // Someone makes it world-writable on the node; the next upload sends nothing but restores owner and mode.
        await node.ExecCheckedAsync("chmod 0666 /opt/lib/libvgpu_unlock_rs.so && chown nobody /opt/lib/libvgpu_unlock_rs.so");
        Assert.False(await shell.UploadAsync(local, "/opt/lib/libvgpu_unlock_rs.so", sha, null, Timeout()));
        Assert.Equal("755 root root", (await node.ExecCheckedAsync("stat -c '%a %U %G' /opt/lib/libvgpu_unlock_rs.so")).Trim());
    }

    [NodeFact]
    public async Task Download_url_travels_on_standard_input_never_on_a_command_line()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions(), Timeout());
        await using var shell = new SshRemoteShell(Settings(node), new RecordingLog(), FastOptions);
        await node.ExecCheckedAsync("mkdir -p /srv/presigned && head -c 5000 /dev/urandom > /srv/presigned/driver.bin && chmod 0666 /srv/presigned/driver.bin");
        var sha = (await node.ExecCheckedAsync("sha256sum /srv/presigned/driver.bin | cut -d' ' -f1")).Trim();
        var url = "file:///srv/presigned/driver.bin?X-Amz-Signature=secret-token";
        var mark = await node.CommandLogMarkAsync(Timeout());

        var first = await shell.RunAsync(RemoteDownload.Command("file:///srv/presigned/driver.bin", "/opt/dl/driver.run", sha, RemoteFile.ExecutableMode, urlIsSensitive: true), Timeout());
        var second = await shell.RunAsync(RemoteDownload.Command(url, "/opt/dl/other.run", new string('0', 64), urlIsSensitive: true), Timeout());

        Assert.Null(RemoteDownload.FailureMessage(first, "file:///srv/presigned/driver.bin", "/opt/dl/driver.run"));
        Assert.True(RemoteDownload.Downloaded(first));
        Assert.Equal("755 root root", (await node.ExecCheckedAsync("stat -c '%a %U %G' /opt/dl/driver.run")).Trim());
        Assert.NotEqual(0, second.ExitCode);
        Assert.DoesNotContain("secret-token", RemoteDownload.FailureMessage(second, url, "/opt/dl/other.run", urlIsSensitive: true), StringComparison.Ordinal);
        var log = await node.ReadCommandLogAsync(mark, Timeout());
        Assert.Equal(2, log.Count(e => e.Kind == CommandLogKind.Exec && e.Text.Contains("vgpuiac-download", StringComparison.Ordinal)));
        Assert.DoesNotContain(log, e => e.Text.Contains("/srv/presigned", StringComparison.Ordinal) || e.Text.Contains("secret-token", StringComparison.Ordinal));
    }
}
