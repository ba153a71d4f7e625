using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using VgpuIac.Engine.Nodes;
using VgpuIac.Engine.Remote;
using VgpuIac.Engine.Ssh;

namespace VgpuIac.Engine.Tests.Ssh;

/// <summary>The SSH transport against a real OpenSSH sshd on loopback.</summary>
public sealed class SshRemoteShellTests(SshdFixture fixture) : IClassFixture<SshdFixture>
{
    private static readonly SshTransportOptions FastOptions = new()
    {
        InitialRetryDelay = TimeSpan.FromMilliseconds(100),
        RebootPollInterval = TimeSpan.FromMilliseconds(200),
    };

    private PlainSshd Sshd => fixture.Sshd;

    private static CancellationToken Timeout(int seconds = 60) => new CancellationTokenSource(TimeSpan.FromSeconds(seconds)).Token;

    [SshdFact]
    public async Task Key_file_connects_and_runs_a_command_logging_exit_code_and_duration()
    {
        var log = new RecordingLog();
        await using var shell = new SshRemoteShell(Sshd.Settings(), log, FastOptions);

        var result = await shell.RunAsync(RemoteCommand.Of("sh", "-c", "echo out; echo err >&2; exit 3"), Timeout());

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("out\n", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
        Assert.Equal("curve25519-sha256", shell.KeyExchangeAlgorithm);
        Assert.Contains(log.Entries, e => e.Message.Contains("echo out", StringComparison.Ordinal) && e.Fields.Contains("exit_code=3", StringComparison.Ordinal) && e.Fields.Contains("duration_ms=", StringComparison.Ordinal));
    }

    [SshdFact]
    public async Task Inline_private_key_text_authenticates()
    {
        var settings = Sshd.Settings() with { PrivateKeyFile = null, PrivateKey = Sshd.ClientKeyPem };
        await using var shell = new SshRemoteShell(settings, new RecordingLog(), FastOptions);

        var result = await shell.RunAsync(RemoteCommand.Of("id", "-un"), Timeout());

        Assert.Equal("root\n", result.StandardOutput);
    }

    [SshdFact]
    public async Task Password_authenticates_a_password_user_and_the_password_never_reaches_the_log()
    {
        var log = new RecordingLog();
        var settings = Sshd.Settings() with { PrivateKeyFile = null, User = PlainSshd.PasswordUser, Password = Sshd.Password };
        await using var shell = new SshRemoteShell(settings, log, FastOptions);

        var result = await shell.RunAsync(RemoteCommand.Of("id", "-un"), Timeout());

        Assert.Equal(PlainSshd.PasswordUser + "\n", result.StandardOutput);
        Assert.DoesNotContain(Sshd.Password, log.AllText, StringComparison.Ordinal);
        Assert.DoesNotContain(Sshd.Password, settings.ToString(), StringComparison.Ordinal);
    }

    [SshdFact]
    public async Task Wrong_password_fails_without_retrying_and_names_the_user()
    {
        var settings = Sshd.Settings() with { PrivateKeyFile = null, User = PlainSshd.PasswordUser, Password = "wrong-password-123" };
        await using var shell = new SshRemoteShell(settings, new RecordingLog(), FastOptions);

        var e = await Assert.ThrowsAsync<NodeConnectionException>(() => shell.RunAsync(RemoteCommand.Of("true"), Timeout()));

        Assert.False(e.HostKeyMismatch);
        Assert.Contains(PlainSshd.PasswordUser, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-123", e.Message + e.Remedy, StringComparison.Ordinal);
    }

    [SshdFact]
    public async Task Wrong_pinned_host_key_is_refused_naming_both_fingerprints()
    {
        var wrong = "SHA256:" + Convert.ToBase64String(SHA256.HashData("not the key"u8.ToArray())).TrimEnd('=');
        var settings = Sshd.Settings() with { HostKeySha256 = HostKeyFingerprint.Normalize(wrong) };
        await using var shell = new SshRemoteShell(settings, new RecordingLog(), FastOptions);

        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<NodeConnectionException>(() => shell.RunAsync(RemoteCommand.Of("true"), Timeout()));

        Assert.True(e.HostKeyMismatch);
        Assert.Contains(wrong, e.Message, StringComparison.Ordinal);
        Assert.Contains(Sshd.HostKeySha256, e.Message, StringComparison.Ordinal);
        Assert.Contains("host_key_sha256", e.Remedy, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), "a host key mismatch is not retried");
    }

    [SshdFact]
    public async Task Pinned_fingerprint_with_padding_and_without_prefix_matches()
    {
        var bare = Sshd.HostKeySha256["SHA256:".Length..] + "=";
        var settings = Sshd.Settings() with { HostKeySha256 = bare };
        await using var shell = new SshRemoteShell(settings, new RecordingLog(), FastOptions);

        Assert.True((await shell.RunAsync(RemoteCommand.Of("true"), Timeout())).Succeeded);
    }

    [SshdFact]
    public async Task Known_hosts_plain_and_hashed_entries_are_trusted()
    {
        foreach (var hashed in new[] { false, true })
        {
            var file = Path.Combine(Sshd.Dir, $"known_hosts_{hashed}");
            File.WriteAllText(file, "# comment\nother.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n" +
                KnownHosts.FormatLine(Sshd.Host, Sshd.Port, Sshd.HostKeyBlob, hashed) + "\n");
            var settings = Sshd.Settings() with { HostKeySha256 = null, KnownHostsFile = file };
            await using var shell = new SshRemoteShell(settings, new RecordingLog(), FastOptions);

            Assert.True((await shell.RunAsync(RemoteCommand.Of("true"), Timeout())).Succeeded);
        }
    }

    [SshdFact]
    public async Task Known_hosts_with_another_key_for_the_host_is_a_mismatch_and_unlisted_host_is_refused()
    {
        var otherKey = Convert.FromBase64String("AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
        var mismatchFile = Path.Combine(Sshd.Dir, "known_hosts_mismatch");
        File.WriteAllText(mismatchFile, KnownHosts.FormatLine(Sshd.Host, Sshd.Port, otherKey) + "\n");
        var unlistedFile = Path.Combine(Sshd.Dir, "known_hosts_unlisted");
        File.WriteAllText(unlistedFile, KnownHosts.FormatLine(Sshd.Host, 22, Sshd.HostKeyBlob) + "\n");

        await using var mismatch = new SshRemoteShell(Sshd.Settings() with { HostKeySha256 = null, KnownHostsFile = mismatchFile }, new RecordingLog(), FastOptions);
        var e1 = await Assert.ThrowsAsync<NodeConnectionException>(() => mismatch.RunAsync(RemoteCommand.Of("true"), Timeout()));
        Assert.True(e1.HostKeyMismatch);
        Assert.Contains("different ssh-ed25519 key", e1.Message, StringComparison.Ordinal);
        Assert.Contains(Sshd.HostKeySha256, e1.Message, StringComparison.Ordinal);

        await using var unlisted = new SshRemoteShell(Sshd.Settings() with { HostKeySha256 = null, KnownHostsFile = unlistedFile }, new RecordingLog(), FastOptions);
        var e2 = await Assert.ThrowsAsync<NodeConnectionException>(() => unlisted.RunAsync(RemoteCommand.Of("true"), Timeout()));
        Assert.True(e2.HostKeyMismatch);
        Assert.Contains("never trusted on first use", e2.Message, StringComparison.Ordinal);
    }

    [SshdFact]
    public async Task Concurrent_commands_share_one_connection()
    {
        await using var shell = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        await shell.ConnectAsync(Timeout());
        var acceptedBefore = Sshd.AcceptedConnections;

        var sw = Stopwatch.StartNew();
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(i =>
            shell.RunAsync(RemoteCommand.Of("sh", "-c", "sleep 0.5; echo $1", "sh", i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Timeout())));

        Assert.Equal(Enumerable.Range(0, 16).Select(i => $"{i}\n"), results.Select(r => r.StandardOutput));
        Assert.Equal(1, shell.ConnectionsOpened);
        // every command has answered, so a connection any of them used was accepted before: nothing to wait for
        Assert.Equal(acceptedBefore, Sshd.AcceptedConnections);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(7), $"commands ran concurrently on channels ({sw.Elapsed})");
    }

    [SshdFact]
    public async Task Hostile_arguments_arrive_literally()
    {
        await using var shell = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        string[] hostile =
        [
            "$(reboot)", "`touch /tmp/pwned`", "a'b\"c", "line1\nline2\n", ";rm -rf /", "&& echo no", "| cat /etc/shadow",
            "  spaced  out  ", "", "*", "--help", "\\", "$HOME", "'", "\"", "é ü 日本", "\t", "!$", "${IFS}",
        ];

        foreach (var argument in hostile)
        {
            var result = await shell.RunAsync(RemoteCommand.Of("printf", "%s", argument), Timeout());
            Assert.Equal(0, result.ExitCode);
            Assert.Equal(argument, result.StandardOutput);
        }

        Assert.False(File.Exists("/tmp/pwned"));
    }

    [SshdFact]
    public async Task Sensitive_arguments_and_input_never_reach_the_log()
    {
        var log = new RecordingLog();
        await using var shell = new SshRemoteShell(Sshd.Settings(), log, FastOptions);

        var result = await shell.RunAsync(
            RemoteCommand.Of("sh", "-c", "cat; printf %s \"$1\"", "sh").WithArgument("TOPSECRET-ARG", sensitive: true).WithInput("TOPSECRET-IN"u8.ToArray(), sensitive: true),
            Timeout());
        await shell.WriteFileAsync(new RemoteFile { Path = Path.Combine(Sshd.Dir, "secret.txt"), Content = "TOPSECRET-FILE"u8.ToArray(), Mode = 0x180, Sensitive = true }, Timeout());

        Assert.Equal("TOPSECRET-INTOPSECRET-ARG", result.StandardOutput);
        Assert.DoesNotContain("TOPSECRET", log.AllText, StringComparison.Ordinal);
        Assert.Contains("***", log.AllText, StringComparison.Ordinal);
    }

    [SshdFact]
    public async Task Write_is_atomic_with_mode_and_owner_and_creates_parents()
    {
        await using var shell = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        var folder = Path.Combine(Sshd.Dir, "w", Guid.NewGuid().ToString("N"), "deep");
        var path = Path.Combine(folder, "file.conf");

        await shell.WriteFileAsync(new RemoteFile { Path = path, Content = "first\n"u8.ToArray(), Mode = 0x180, Owner = "nobody", Group = "nogroup" }, Timeout());
        await shell.WriteFileAsync(new RemoteFile { Path = path, Content = "second\n"u8.ToArray(), Mode = 0x180, Owner = "nobody", Group = "nogroup" }, Timeout());

        var stat = await shell.RunAsync(RemoteCommand.Of("stat", "-c", "%a %U %G", path), Timeout());
        Assert.Equal("600 nobody nogroup\n", stat.StandardOutput);
        Assert.Equal("second\n", File.ReadAllText(path));
        Assert.Equal(["file.conf"], Directory.GetFiles(folder).Select(Path.GetFileName));
        Assert.Equal("second\n"u8.ToArray(), await shell.ReadFileAsync(path, Timeout()));
        Assert.Null(await shell.ReadFileAsync(Path.Combine(folder, "missing"), Timeout()));
    }

    [SshdFact]
    public async Task Write_on_a_full_disk_fails_and_leaves_the_old_file_intact()
    {
        await using var shell = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        var folder = Path.Combine(Sshd.SmallDir, Guid.NewGuid().ToString("N"));
        var path = Path.Combine(folder, "profile_override.toml");
        await shell.WriteFileAsync(new RemoteFile { Path = path, Content = "old = 1\n"u8.ToArray() }, Timeout());
        var filler = Path.Combine(folder, "filler");
        await shell.RunAsync(RemoteCommand.Of("sh", "-c", "dd if=/dev/zero of=\"$1\" bs=64k 2>/dev/null; true", "sh", filler), Timeout());

        var e = await Assert.ThrowsAsync<NodeConnectionException>(() =>
            shell.WriteFileAsync(new RemoteFile { Path = path, Content = new byte[256 * 1024] }, Timeout()));

        Assert.True(e.OperationFailed);
        Assert.Contains("No space left on device", e.Message, StringComparison.Ordinal);
        Assert.Equal("old = 1\n"u8.ToArray(), await shell.ReadFileAsync(path, Timeout()));
        var listing = await shell.RunAsync(RemoteCommand.Of("ls", "-A", folder), Timeout());
        Assert.Equal("filler\nprofile_override.toml\n", listing.StandardOutput);
        await shell.RunAsync(RemoteCommand.Of("rm", "-rf", folder), Timeout());
    }

    [SshdFact]
    public async Task Upload_sends_verifies_and_is_skipped_when_the_remote_sha_matches()
    {
        var log = new RecordingLog();
        await using var shell = new SshRemoteShell(Sshd.Settings(), log, FastOptions with { UploadChunkBytes = 64 * 1024 });
        var local = Path.Combine(Sshd.Dir, "local.run");
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        File.WriteAllBytes(local, bytes);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var remote = Path.Combine(Sshd.Dir, "remote", "driver.run");
        var reports = new List<double>();
        var progress = new SynchronousProgress(reports);

        var sent = await shell.UploadAsync(local, remote, sha, progress, Timeout());
        var again = await shell.UploadAsync(local, remote, sha.ToUpperInvariant(), null, Timeout());

        Assert.True(sent);
        Assert.False(again);
        Assert.Equal(bytes, File.ReadAllBytes(remote));
        Assert.True(reports.Count > 10, $"progress was reported per chunk ({reports.Count})");
        Assert.Equal(1.0, reports[^1]);
        Assert.Contains(log.Entries, e => e.Message.Contains("upload skipped", StringComparison.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(remote)!, ".vgpuiac-tmp.*"));
    }

    [SshdFact]
    public async Task Upload_with_a_wrong_sha_fails_and_keeps_the_remote_file()
    {
        await using var shell = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        var local = Path.Combine(Sshd.Dir, "local2.bin");
        File.WriteAllBytes(local, "new content"u8.ToArray());
        var remote = Path.Combine(Sshd.Dir, "remote2", "file.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(remote)!);
        File.WriteAllText(remote, "old content");

        var e = await Assert.ThrowsAsync<NodeConnectionException>(() => shell.UploadAsync(local, remote, new string('a', 64), null, Timeout()));

        Assert.True(e.OperationFailed);
        Assert.Contains("expected SHA-256", e.Remedy, StringComparison.Ordinal);
        Assert.Equal("old content", File.ReadAllText(remote));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(remote)!));
    }

    [SshdFact]
    public async Task Cancellation_stops_the_command_and_its_remote_process()
    {
        await using var shell = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        await shell.ConnectAsync(Timeout());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(400));

        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => shell.RunAsync(RemoteCommand.Of("sleep", "31.25"), cts.Token));

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"cancelled promptly ({sw.Elapsed})");
        // the node stops the command's session (TERM, then KILL): poll until it is gone, with a deadline
        var stopped = Stopwatch.StartNew();
        while ((await shell.RunAsync(RemoteCommand.Of("pgrep", "-fx", "sleep 31.25"), Timeout())).StandardOutput.Length > 0)
        {
            Assert.True(stopped.Elapsed < TimeSpan.FromSeconds(10), "the cancelled command still runs on the node");
            await Task.Delay(50);
        }
        Assert.True((await shell.RunAsync(RemoteCommand.Of("true"), Timeout())).Succeeded, "the connection is still usable");
    }

    [SshdFact]
    public async Task Command_timeout_gives_exit_124_and_a_message()
    {
        await using var shell = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);

        var sw = Stopwatch.StartNew();
        var result = await shell.RunAsync(RemoteCommand.Of("sleep", "32.5").WithTimeout(TimeSpan.FromMilliseconds(500)), Timeout());

        Assert.Equal(SshRemoteShell.TimedOutExitCode, result.ExitCode);
        Assert.Contains("timed out", result.StandardError, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"stopped at the timeout ({sw.Elapsed})");
    }

    [SshdFact]
    public async Task Connection_dropped_mid_command_is_reported_and_the_next_command_reconnects()
    {
        await using var shell = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        await shell.ConnectAsync(Timeout());

        // Kill the sshd process serving this session (the parent of the session leader): the TCP connection drops while the command runs.
        var e = await Assert.ThrowsAsync<NodeConnectionException>(() => shell.RunAsync(
            RemoteCommand.Of("sh", "-c", "sleep 0.3; kill -KILL $(ps -o ppid= -p $(ps -o sid= -p $$)); sleep 5"), Timeout()));

        Assert.True(e.DroppedMidCommand);
        Assert.Contains("effect on the node is unknown", e.Remedy, StringComparison.Ordinal);
        Assert.True((await shell.RunAsync(RemoteCommand.Of("true"), Timeout())).Succeeded);
        Assert.Equal(2, shell.ConnectionsOpened);
    }

    [SshdFact]
    public async Task Lock_serializes_two_processes_worth_of_shells()
    {
        await using var first = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        await using var second = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        var counter = Path.Combine(Sshd.Dir, "counter-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(counter, "0");
        const string increment = "n=$(cat \"$1\"); sleep 0.05; echo $((n+1)) > \"$1\"";

        var held = await first.LockAsync("profile-override", Timeout());
        var waiting = second.LockAsync("profile-override", Timeout());
        // the second shell's flock reached the node and waits there (two flock processes on the lock file)
        var reached = Stopwatch.StartNew();
        while (int.Parse((await first.RunAsync(RemoteCommand.Of("sh", "-c", "pgrep -fc 'flock .*vgpuiac-profile-override[.]lock' || true"), Timeout())).StandardOutput.Trim(), System.Globalization.CultureInfo.InvariantCulture) < 2)
        {
            Assert.True(reached.Elapsed < TimeSpan.FromSeconds(10), "the second shell's lock request never reached the node");
            await Task.Delay(20);
        }

        Assert.False(waiting.IsCompleted, "the second shell waits while the first holds the node lock");
        await held.DisposeAsync();
        await using (await waiting.WaitAsync(TimeSpan.FromSeconds(5)))
        {
        }

        async Task IncrementAsync(SshRemoteShell shell)
        {
            await using var _ = await shell.LockAsync("profile-override", Timeout());
            await shell.RunAsync(RemoteCommand.Of("sh", "-c", increment, "sh", counter), Timeout());
        }

        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => IncrementAsync(i % 2 == 0 ? first : second)));

        Assert.Equal("12", File.ReadAllText(counter).Trim());
    }

    [SshdFact]
    public async Task Twelve_held_locks_leave_channels_for_the_commands_their_holders_run()
    {
        // Ten guests created at once each hold their vmid's lock while they run commands. A connection carries at most 10
        // channels (sshd's MaxSessions, 10 here as on a Debian node, and SSH.NET's own limit): held locks must not take them all.
        await using var shell = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        var names = Enumerable.Range(0, 12).Select(i => $"create-{900 + i}").ToArray();

        async Task<string> HoldAndRunAsync(string name)
        {
            await using var held = await shell.LockAsync(name, Timeout());
            var result = await shell.RunAsync(RemoteCommand.Of("sh", "-c", "echo \"$1\"", "sh", name), Timeout());
            return result.StandardOutput.Trim();
        }

        var locks = await Task.WhenAll(names.Select(n => shell.LockAsync(n, Timeout()))).WaitAsync(TimeSpan.FromSeconds(60));
        var pattern = "vgpuiac-create-9[0-9][0-9][.]lock";
        Assert.Equal("12", (await shell.RunAsync(RemoteCommand.Of("sh", "-c", $"pgrep -fc 'flock .*{pattern}'"), Timeout())).StandardOutput.Trim());
        var commands = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => shell.RunAsync(RemoteCommand.Of("echo", $"run-{i}"), Timeout()))).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.All(commands, c => Assert.True(c.Succeeded, c.StandardError));
        foreach (var held in locks)
        {
            await held.DisposeAsync();
        }

        // the locks were released on the node: each can be taken again, each while its holder runs a command
        Assert.Equal(names, await Task.WhenAll(names.Select(HoldAndRunAsync)).WaitAsync(TimeSpan.FromSeconds(60)));
        var deadline = Stopwatch.StartNew();
        while ((await shell.RunAsync(RemoteCommand.Of("sh", "-c", $"pgrep -fc 'flock .*{pattern}' || true"), Timeout())).StandardOutput.Trim() != "0")
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(30), "the node still holds the released locks");
            await Task.Delay(100);
        }
    }

    [SshdFact]
    public async Task Lock_is_released_when_cancelled_while_waiting()
    {
        await using var first = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        await using var second = new SshRemoteShell(Sshd.Settings(), new RecordingLog(), FastOptions);
        var held = await first.LockAsync("cancel-test", Timeout());
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.LockAsync("cancel-test", cts.Token));
        await held.DisposeAsync();

        await using var again = await second.LockAsync("cancel-test", Timeout()).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.NotNull(again);
    }

    [SshdFact]
    public async Task Refused_port_is_retried_until_the_connect_timeout()
    {
        var log = new RecordingLog();
        var closedPort = Sshd.Settings() with { Port = 1, ConnectTimeout = TimeSpan.FromSeconds(1.5) };
        await using var shell = new SshRemoteShell(closedPort, log, FastOptions);

        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<NodeConnectionException>(() => shell.RunAsync(RemoteCommand.Of("true"), Timeout()));

        Assert.False(e.HostKeyMismatch);
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(1.2), TimeSpan.FromSeconds(6));
        Assert.True(log.Entries.Count(l => l.Message.Contains("connect attempt", StringComparison.Ordinal)) >= 2, log.AllText);
        Assert.Contains("127.0.0.1:1", e.Remedy, StringComparison.Ordinal);
    }

    [SshdFact]
    public async Task Ssh_agent_keys_authenticate()
    {
        var socket = Path.Combine(Sshd.Dir, "agent.sock");
        using var agent = Process.Start(new ProcessStartInfo("ssh-agent", ["-D", "-a", socket]) { RedirectStandardOutput = true })!;
        try
        {
            var sw = Stopwatch.StartNew();
            while (!File.Exists(socket) && sw.Elapsed < TimeSpan.FromSeconds(5))
            {
                await Task.Delay(20);
            }

            var add = new ProcessStartInfo("ssh-add", [Sshd.ClientKeyPath]) { RedirectStandardError = true };
            add.Environment["SSH_AUTH_SOCK"] = socket;
            using (var p = Process.Start(add)!)
            {
                await p.WaitForExitAsync();
                Assert.Equal(0, p.ExitCode);
            }

            var settings = Sshd.Settings() with { PrivateKeyFile = null, UseAgent = true, AgentSocket = socket };
            await using var shell = new SshRemoteShell(settings, new RecordingLog(), FastOptions);

            Assert.Equal("root\n", (await shell.RunAsync(RemoteCommand.Of("id", "-un"), Timeout())).StandardOutput);
        }
        finally
        {
            agent.Kill();
        }
    }

    private sealed class SynchronousProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
