using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

public sealed class CommandLogTests(SharedNodeFixture fixture) : IClassFixture<SharedNodeFixture>
{
    [NodeFact]
    public async Task Exec_requests_are_logged_with_exit_code_and_duration_but_ExecAsync_is_not()
    {
        var node = fixture.Require();
        var mark = await node.CommandLogMarkAsync();
        var marker = Guid.NewGuid().ToString("N");

        NodeSsh.Run(node, $"echo {marker}; exit 3");
        NodeSsh.Run(node, $"printf 'a\\tb\\nc' # {marker} multi");
        await node.ExecAsync($"echo {marker}-internal");

        var entries = (await node.ReadCommandLogAsync(mark)).Where(e => e.Text.Contains(marker, StringComparison.Ordinal)).ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal(CommandLogKind.Exec, entries[0].Kind);
        Assert.Equal($"echo {marker}; exit 3", entries[0].Text);
        Assert.Equal(3, entries[0].ExitCode);
        Assert.True(entries[0].Duration >= TimeSpan.Zero);
        Assert.True(Math.Abs((DateTimeOffset.UtcNow - entries[0].Timestamp).TotalMinutes) < 5);
        Assert.Equal($"printf 'a\\tb\\nc' # {marker} multi", entries[1].Text);
        Assert.Equal(0, entries[1].ExitCode);
    }

    [NodeFact]
    public async Task Sftp_sessions_are_logged_as_sftp_and_work()
    {
        var node = fixture.Require();
        var mark = await node.CommandLogMarkAsync();
        using (var sftp = NodeSsh.ConnectSftp(node))
        {
            sftp.WriteAllText("/root/sftp-probe.txt", "via sftp");
            Assert.Equal("via sftp", sftp.ReadAllText("/root/sftp-probe.txt"));
        }

        Assert.Equal("via sftp", await File.ReadAllTextAsync(Path.Combine(node.UpperDir, "root/sftp-probe.txt")));
        await WaitUntil(async () => (await node.ReadCommandLogAsync(mark)).Any(e => e.Kind == CommandLogKind.Sftp));
        var entry = (await node.ReadCommandLogAsync(mark)).Single(e => e.Kind == CommandLogKind.Sftp);
        Assert.Equal("sftp", entry.Text);
    }

    [NodeFact]
    public async Task Stdin_is_passed_through_to_the_command()
    {
        var node = fixture.Require();
        using var ssh = NodeSsh.Connect(node);
        using var cmd = ssh.CreateCommand("bash -s -- one 'two words'");
        var async = cmd.BeginExecute();
        using (var input = cmd.CreateInputStream())
        {
            var script = "echo \"$#:$2\"; cat /etc/hostname\n"u8.ToArray();
            input.Write(script, 0, script.Length);
        }

        cmd.EndExecute(async);
        Assert.Equal("2:two words\npve-shared\n", cmd.Result);
    }

    [NodeFact]
    public async Task Shims_log_reads_as_shim_r_and_changes_as_shim_m()
    {
        var node = fixture.Require();
        await node.ExecCheckedAsync("printf '[Unit]\\nDescription=x\\n[Service]\\nExecStart=/usr/bin/sleep 1000\\n' > /etc/systemd/system/logged.service");
        var mark = await node.CommandLogMarkAsync();
        NodeSsh.Run(node, "systemctl is-active logged; systemctl restart logged; uname -r; mdevctl list");
        var shims = (await node.ReadCommandLogAsync(mark)).Where(e => e.Kind.StartsWith("shim", StringComparison.Ordinal)).Select(e => $"{e.Kind} {e.Text} {e.ExitCode}").ToList();
        Assert.Equal(["shim-r systemctl is-active logged 3", "shim-m systemctl restart logged 0", "shim-r uname -r 0", "shim-r mdevctl list 0"], shims);
    }

    [Fact]
    public void Parser_unescapes_text_and_keeps_line_indexes()
    {
        var entries = CommandLog.Parse("1700000000000\t12\t0\texec\techo a\\tb\\nc \\\\n\ngarbage\n1700000000100\t3\t1\tshim-m\tsystemctl restart x\n");
        Assert.Equal(2, entries.Count);
        Assert.Equal("echo a\tb\nc \\n", entries[0].Text);
        Assert.Equal(2, entries[1].Index);
        Assert.Equal(CommandLogKind.ShimMutate, entries[1].Kind);
        Assert.Equal(TimeSpan.FromMilliseconds(3), entries[1].Duration);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000100), entries[1].Timestamp);
    }

    [Fact]
    public void A_line_cut_by_a_full_disk_and_glued_to_the_next_is_skipped_not_thrown()
    {
        // what a node whose disk filled up left in its log: an append cut after the start time, the next append glued on
        var entries = CommandLog.Parse("1700000000000\t12\t0\texec\ttrue\n1796541796546717010\t5\t0\tshim-r\tqm list\n1700000000200\t1\t0\texec\tfalse\n");
        Assert.Equal([0, 2], entries.Select(e => e.Index));
        Assert.Equal(["true", "false"], entries.Select(e => e.Text));
    }

    internal static async Task WaitUntil(Func<Task<bool>> condition, int timeoutMs = 5000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(sw.ElapsedMilliseconds < timeoutMs, "condition not reached in time");
            await Task.Delay(20);
        }
    }
}
