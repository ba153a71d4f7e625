using System.Diagnostics;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Ssh;

namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>Reboots and restarts, each against its own sshd (the tests stop and restart it).</summary>
public sealed class SshReconnectTests
{
    private static readonly SshTransportOptions FastOptions = new()
    {
        InitialRetryDelay = TimeSpan.FromMilliseconds(100),
        MaxRetryDelay = TimeSpan.FromMilliseconds(500),
        RebootPollInterval = TimeSpan.FromMilliseconds(200),
    };

    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [SshdFact]
    public async Task Connection_lost_between_commands_is_reopened_transparently()
    {
        await using var sshd = await PlainSshd.StartAsync();
        await using var shell = new SshRemoteShell(sshd.Settings(), new RecordingLog(), FastOptions);
        Assert.True((await shell.RunAsync(RemoteCommand.Of("true"), Timeout())).Succeeded);

        await sshd.StopProcessAsync();
        await sshd.StartProcessAsync();

        Assert.Equal("again\n", (await shell.RunAsync(RemoteCommand.Of("echo", "again"), Timeout())).StandardOutput);
        Assert.Equal(2, shell.ConnectionsOpened);
    }

    [SshdFact]
    public async Task Reboot_waits_for_the_node_to_go_down_and_reconnects_when_it_is_back()
    {
        await using var sshd = await PlainSshd.StartAsync();
        var log = new RecordingLog();
        await using var shell = new SshRemoteShell(sshd.Settings(), log, FastOptions);
        await shell.ConnectAsync(Timeout());

        // The "node" goes down 300 ms after the reboot command starts (the connection drops), and is back 1.5 s later.
        var node = Task.Run(async () =>
        {
            await Task.Delay(300);
            await sshd.StopProcessAsync();
            await Task.Delay(1500);
            await sshd.StartProcessAsync();
        });
        var sw = Stopwatch.StartNew();
        await shell.RebootAsync(RemoteCommand.Of("sleep", "30").AsMutating(), TimeSpan.FromSeconds(30), Timeout());
        await node;

        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1.7), $"waited for the node ({sw.Elapsed})");
        Assert.Equal(2, shell.ConnectionsOpened);
        Assert.True((await shell.RunAsync(RemoteCommand.Of("true"), Timeout())).Succeeded);
        Assert.Contains(log.Entries, e => e.Message.Contains("back after reboot", StringComparison.Ordinal));
    }

    [SshdFact]
    public async Task Reboot_of_a_node_that_never_comes_back_times_out_with_a_remedy()
    {
        await using var sshd = await PlainSshd.StartAsync();
        await using var shell = new SshRemoteShell(sshd.Settings() with { ConnectTimeout = TimeSpan.FromSeconds(2) }, new RecordingLog(), FastOptions);
        await shell.ConnectAsync(Timeout());
        var node = Task.Run(async () =>
        {
            await Task.Delay(300);
            await sshd.StopProcessAsync();
        });

        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<NodeConnectionException>(() =>
            shell.RebootAsync(RemoteCommand.Of("sleep", "30").AsMutating(), TimeSpan.FromSeconds(3), Timeout()));
        await node;

        Assert.True(e.RebootTimedOut);
        Assert.Contains("console", e.Remedy, StringComparison.Ordinal);
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(10));
    }
}
