using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

public sealed class BootConfigurationTests
{
    [NodeFact]
    public async Task Enabling_iommu_in_grub_takes_effect_after_update_grub_and_a_reboot()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions { IommuEnabled = false, RebootDelay = 0.1 }, CancellationToken.None);
        const string Check = "cat /proc/cmdline; dmesg | grep -c 'DMAR: IOMMU enabled'; ls /sys/class/iommu | wc -l";
        Assert.EndsWith("quiet\n0\n0\n", NodeSsh.Run(node, Check).Out, StringComparison.Ordinal);

        var edit = NodeSsh.Run(node, "sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"/GRUB_CMDLINE_LINUX_DEFAULT=\"quiet intel_iommu=on iommu=pt\"/' /etc/default/grub && update-grub");
        Assert.True(edit.Exit == 0, edit.Err);
        Assert.Contains("Found linux image: /boot/vmlinuz-6.5.13-6-pve", edit.Err, StringComparison.Ordinal);
        // not before the reboot
        Assert.EndsWith("quiet\n0\n0\n", NodeSsh.Run(node, Check).Out, StringComparison.Ordinal);

        await node.RebootAsync();
        Assert.Equal("BOOT_IMAGE=/boot/vmlinuz-6.5.13-6-pve root=/dev/mapper/pve-root ro quiet intel_iommu=on iommu=pt\n1\n1\n", NodeSsh.Run(node, Check).Out);
    }

    [NodeFact]
    public async Task Cli_starts_a_node_writes_node_json_and_stops_it()
    {
        if (NodeHostRequirements.WhyUnavailable() is not null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            return;
        }

        var stateDir = Path.Combine(Path.GetTempPath(), "nodesim-cli-test-" + Guid.NewGuid().ToString("N")[..8]);
        var dll = Path.Combine(AppContext.BaseDirectory, "VgpuIac.NodeSim.dll");
        using var start = Cli(dll, "start", "--state-dir", stateDir, "--hostname", "pve-cli", "--gpu", "0000:02:00.0=rtx-2080ti", "--reboot-delay", "0.5");
        try
        {
            var json = Path.Combine(stateDir, "node.json");
            await RebootTests.WaitFor(() => File.Exists(json) || start.HasExited, 30000);
            Assert.False(start.HasExited, start.HasExited ? await start.StandardError.ReadToEndAsync() : "");
            using var doc = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(json));
            var root = doc.RootElement;
            Assert.Equal("127.0.0.1", root.GetProperty("host").GetString());
            Assert.Equal("root", root.GetProperty("user").GetString());
            Assert.StartsWith("SHA256:", root.GetProperty("host_key_sha256").GetString(), StringComparison.Ordinal);
            Assert.True(File.Exists(root.GetProperty("private_key_path").GetString()));
            var upper = root.GetProperty("upper_dir").GetString()!;
            Assert.Contains("0000:02:00.0", await File.ReadAllTextAsync(Path.Combine(upper, "etc/nodesim/gpus/0000:02:00.0.env")), StringComparison.Ordinal);
            Assert.Equal("pve-cli\n", await File.ReadAllTextAsync(Path.Combine(upper, "etc/hostname")));
            var sandbox = root.GetProperty("sandbox_dir").GetString()!;

            using var stop = Cli(dll, "stop", "--state-dir", stateDir);
            await stop.WaitForExitAsync();
            Assert.Equal(0, stop.ExitCode);
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
            {
                await start.WaitForExitAsync(timeout.Token);
            }

            Assert.Equal(0, start.ExitCode);
            Assert.False(Directory.Exists(sandbox), "sandbox left behind");
            Assert.False(File.Exists(json));
        }
        finally
        {
            if (!start.HasExited)
            {
                start.Kill(entireProcessTree: true);
            }

            Directory.Delete(stateDir, recursive: true);
        }
    }

    private static System.Diagnostics.Process Cli(string dll, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return System.Diagnostics.Process.Start(psi)!;
    }
}
