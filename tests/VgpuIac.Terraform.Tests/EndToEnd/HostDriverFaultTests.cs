using System.Diagnostics;
using System.Globalization;
using System.Text;
using VgpuIac.NodeSim;
using VgpuIac.Terraform.Tests.Support;

namespace VgpuIac.Terraform.Tests.EndToEnd;

/// <summary>
/// The fault matrix of <c>vgpu_host_driver</c> (issue 10) through the real terraform CLI on a simulated node: a fault
/// during the apply, then a plain apply that converges, then an empty plan; the installer runs exactly once in all
/// (nothing that succeeded is undone: no <c>--uninstall</c>). Faults: the provider SIGKILLed mid-install (the re-apply
/// waits for the orphaned installer), the connection dropped mid-install, a reboot that never returns (the node comes
/// back later), a failing command, a full disk, a wrong host key; and <c>-replace</c> of a healthy driver.
/// </summary>
[Trait("Category", "E2E")]
public sealed class HostDriverFaultTests : IDisposable
{
    private const string Version = "535.129.03";
    private const string InstallerRun = "vgpu-kvm\\.run --dkms -s";

    /// <summary>The detached install operation has started and not ended, and the (fake) installer process runs.</summary>
    private const string InstallerRunning =
        "test -e /var/lib/vgpu-iac/ops/host-driver/id && test ! -e /var/lib/vgpu-iac/ops/host-driver/status && pgrep -f '[d]river-installer.sh --dkms -s' >/dev/null";

    private readonly TerraformLifecycle _tf = new();
    private readonly string _files = Directory.CreateTempSubdirectory("vgpu-tf-hdf-").FullName;

    /// <summary>A node whose nouveau is blacklisted already, so the only reboot is the one that loads the driver.</summary>
    private static Task<SimulatedNode?> StartNodeAsync() => SimulatedNodes.StartOrExplainAsync(new NodeOptions
    {
        Hostname = "pve1",
        RebootDelay = 0.3,
        Preseed = new Dictionary<string, PreseedFile> { ["etc/modprobe.d/blacklist-nouveau.conf"] = PreseedFile.Text("blacklist nouveau\n") },
    });

    /// <summary>The installer as a local file with mode 0666 (issue 13: its mode must not travel to the node).</summary>
    private string Installer()
    {
        var path = FakeInstaller.Write(_files, Version);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("666", 8));
        }
        return path;
    }

    private string Config(SimulatedNode node, string rebootTimeout = "2m", string? hostKey = null) =>
        ProviderHcl.For(("pve1", node)).Replace(node.HostKeySha256, hostKey ?? node.HostKeySha256, StringComparison.Ordinal) + $$"""
        resource "vgpu_host_driver" "d" {
          node             = "pve1"
          installer_source = "{{Installer()}}"
          reboot_timeout   = "{{rebootTimeout}}"
        }
        """;

    [Fact]
    public async Task Provider_killed_mid_install_leaves_the_installer_running_and_the_re_apply_waits_for_it()
    {
        if (await StartNodeAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            _tf.WriteConfig(Config(node));
            var hold = await node.HoldAsync(InstallerRun);
            using var apply = StartTerraform("apply", "-auto-approve", "-input=false");
            await PollAsync(() => node.IsHeldAsync(hold), "the installer starts on the node", () => apply.Output);
            Process.GetProcessById(ProviderChildOf(apply.Process.Id)).Kill();
            await apply.Process.WaitForExitAsync(Deadline());
            Assert.NotEqual(0, apply.Process.ExitCode);
            Assert.True((await node.ExecAsync(InstallerRunning)).ExitCode == 0, "the installer stopped with the provider:\n" + apply.Output);

            // At once, while the orphaned installer still runs: the re-apply waits for it (and starts no second one) ...
            using var again = StartTerraform("apply", "-auto-approve", "-input=false");
            await PollAsync(async () => (await node.ExecAsync("pgrep -f '[b]ash -s -- host-driver  1800$' >/dev/null")).ExitCode == 0, "the re-apply waits for the orphaned installer", () => again.Output);
            Assert.True((await node.ExecAsync(InstallerRunning)).ExitCode == 0, "the orphaned installer is still running");

            // ... and goes on once it has finished by itself.
            await node.ReleaseAsync(hold);
            await again.Process.WaitForExitAsync(Deadline());
            Assert.True(again.Process.ExitCode == 0, again.Output);
            var log = await node.ReadCommandLogAsync();
            Assert.Contains(log, e => e.Kind == CommandLogKind.Exec && e.Text.EndsWith("host-driver '' 1800", StringComparison.Ordinal) && e.ExitCode == 0);
            await AssertConvergedOnceAsync(node);
        }
    }

    [Fact]
    public async Task Connection_dropped_mid_install_does_not_stop_the_installer_and_the_apply_converges()
    {
        if (await StartNodeAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            _tf.WriteConfig(Config(node));
            await node.DelayAsync(InstallerRun, 4, once: true);

            // the wait for the detached installer (operation id, seconds) loses its connection after 1 s
            await node.DropConnectionAsync("host-driver [0-9a-f]{32} [0-9]+$", afterSeconds: 1);
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            if (code != 0)
            {
                // a drop may also hit the node lock's session: the next apply reads the node and finishes the job
                Assert.Contains("dropped", output, StringComparison.Ordinal);
                await _tf.ApplyAsync();
            }

            Assert.Contains((await node.ReadCommandLogAsync()), e => e.ExitCode == 255 && e.Text.Contains("host-driver", StringComparison.Ordinal));
            await AssertConvergedOnceAsync(node);
        }
    }

    [Fact]
    public async Task Reboot_that_never_returns_saves_nothing_the_next_apply_keeps_the_driver_and_replace_works()
    {
        if (await StartNodeAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            _tf.WriteConfig(Config(node, rebootTimeout: "8s"));
            await node.RebootNeverReturnsAsync();
            var clock = Stopwatch.StartNew();
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            var failedAfter = clock.Elapsed;
            Assert.NotEqual(0, code);
            Assert.Contains("did not come back within 8 s", output, StringComparison.Ordinal);
            Assert.DoesNotContain("vgpu_host_driver.d", (await _tf.Cli.RunAsync("state", "list")).Output, StringComparison.Ordinal);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reboot_timeout 8s: the failed apply took {failedAfter.TotalSeconds:F1} s"));

            // the node comes back later; the installed driver is on it and the marker says it is ours
            await node.RebootNeverReturnsAsync(false);
            await node.WaitForSshAsync(TimeSpan.FromMinutes(1));
            var plan = await _tf.PlanWithChangesAsync();
            Assert.Contains("is already on node", plan, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            await AssertConvergedOnceAsync(node);

            // -replace of a healthy driver: uninstall, install, no inconsistent final plan
            var replaced = await _tf.SucceedsAsync("apply", "-auto-approve", "-input=false", "-replace=vgpu_host_driver.d");
            Assert.DoesNotContain("inconsistent", replaced, StringComparison.Ordinal);
            Assert.Equal(Version, (await node.ExecCheckedAsync("cat /var/lib/nodesim/driver/installed_version")).Trim());
            Assert.Equal("active", (await node.ExecAsync("systemctl is-active nvidia-vgpu-mgr.service")).StandardOutput.Trim());
            await _tf.AssertNoChangesAsync("plan after -replace");
        }
    }

    [Fact]
    public async Task Failing_command_then_a_plain_apply_converges()
    {
        if (await StartNodeAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            _tf.WriteConfig(Config(node));
            await node.FailNextAsync("^apt-get install", 100, "E: Unable to fetch some archives, maybe run apt-get update");
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.NotEqual(0, code);
            Assert.Contains("Unable to install host driver prerequisites", output, StringComparison.Ordinal);
            Assert.Contains("Unable to fetch some archives", output, StringComparison.Ordinal);
            await _tf.ApplyAsync();
            await AssertConvergedOnceAsync(node);
        }
    }

    [Fact]
    public async Task Full_disk_then_a_plain_apply_converges()
    {
        if (await StartNodeAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            _tf.WriteConfig(Config(node));
            await node.DiskFullAsync(true);
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            await node.DiskFullAsync(false);
            Assert.NotEqual(0, code);
            Assert.Contains("No space left on device", output, StringComparison.Ordinal);
            Assert.Equal(0, await InstallerRunsAsync(node));
            await _tf.ApplyAsync();
            await AssertConvergedOnceAsync(node);
        }
    }

    [Fact]
    public async Task Wrong_host_key_changes_nothing_then_the_right_one_converges()
    {
        if (await StartNodeAsync() is not { } node)
        {
            return;
        }

        await using (node)
        {
            var mark = await node.CommandLogMarkAsync();
            _tf.WriteConfig(Config(node, hostKey: "SHA256:" + Convert.ToBase64String(new byte[32]).TrimEnd('=')));
            var (code, output) = await _tf.Cli.RunAsync("apply", "-auto-approve", "-input=false");
            Assert.NotEqual(0, code);
            Assert.Contains("host key", output, StringComparison.OrdinalIgnoreCase);
            Assert.Empty(await node.ReadCommandLogAsync(mark));
            _tf.WriteConfig(Config(node));
            await _tf.ApplyAsync();
            await AssertConvergedOnceAsync(node);
        }
    }

    /// <summary>
    /// The driver is installed and loaded, the next plan is empty, the installer ran exactly once and nothing was
    /// uninstalled; the staged installer is root's with mode 0755 although the local file is 0666.
    /// </summary>
    private async Task AssertConvergedOnceAsync(SimulatedNode node)
    {
        await _tf.AssertNoChangesAsync("plan after the fault and a plain apply");
        Assert.Equal(Version, (await node.ExecCheckedAsync("cat /var/lib/nodesim/driver/installed_version")).Trim());
        Assert.Equal(Version, (await node.ExecCheckedAsync("cat /sys/module/nvidia/version")).Trim());
        Assert.Equal(1, await InstallerRunsAsync(node));
        var log = await node.ReadCommandLogAsync();
        Assert.DoesNotContain(log, e => e.Text.Contains("--uninstall", StringComparison.Ordinal) || e.Text.Contains("nvidia-uninstall", StringComparison.Ordinal));
        var staged = FakeInstaller.FileName(Version);
        Assert.Equal("755 root root", (await node.ExecCheckedAsync($"stat -c '%a %U %G' /var/lib/vgpu-iac/installers/{staged}")).Trim());
    }

    private static async Task<int> InstallerRunsAsync(SimulatedNode node) =>
        (await node.ReadCommandLogAsync()).Count(e => e.Kind != CommandLogKind.Exec && e.Text.StartsWith("NVIDIA-Linux-x86_64-", StringComparison.Ordinal) && e.Text.EndsWith("--dkms -s", StringComparison.Ordinal));

    private sealed class RunningTerraform(Process process, StringBuilder output) : IDisposable
    {
        public Process Process { get; } = process;

        public string Output
        {
            get
            {
                lock (output)
                {
                    return output.ToString();
                }
            }
        }

        public void Dispose()
        {
            if (!Process.HasExited)
            {
                Process.Kill(entireProcessTree: true);
            }

            Process.Dispose();
        }
    }

    private RunningTerraform StartTerraform(params string[] args)
    {
        var info = new ProcessStartInfo("terraform") { WorkingDirectory = _tf.WorkDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        info.ArgumentList.Add("-no-color");
        info.Environment["TF_CLI_CONFIG_FILE"] = _tf.Cli.CliConfig;
        info.Environment["TF_IN_AUTOMATION"] = "1";
        info.Environment["CHECKPOINT_DISABLE"] = "1";
        info.Environment["TF_LOG"] = "";
        var output = new StringBuilder();
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new RunningTerraform(process, output);
    }

    /// <summary>The provider process terraform started (its child named terraform-provider-vgpu).</summary>
    private static int ProviderChildOf(int terraformPid)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var comm = stat[(stat.IndexOf('(', StringComparison.Ordinal) + 1)..stat.LastIndexOf(')')];
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], CultureInfo.InvariantCulture) == terraformPid && comm.StartsWith("terraform-prov", StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (IOException)
            {
                // the process ended while we looked
            }
        }

        throw new InvalidOperationException($"terraform (pid {terraformPid}) has no provider child process");
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what, Func<string> details)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}:\n{details()}");
            await Task.Delay(100);
        }
    }

    private static CancellationToken Deadline() => new CancellationTokenSource(TimeSpan.FromMinutes(4)).Token;

    public void Dispose()
    {
        _tf.Dispose();
        Directory.Delete(_files, recursive: true);
    }
}
