using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests;

public sealed class IdentityTests(SharedNodeFixture fixture) : IClassFixture<SharedNodeFixture>
{
    [NodeFact]
    public void Hostname_uname_and_pveversion_answer_the_identity()
    {
        var node = fixture.Require();
        var (exit, output, error) = NodeSsh.Run(node, "hostname; uname -r; uname -n; uname -a; pveversion; pveversion -v | head -2; mokutil --sb-state");
        Assert.True(exit == 0, error);
        var lines = output.Split('\n');
        Assert.Equal("pve-shared", lines[0]);
        Assert.Equal("6.5.13-6-pve", lines[1]);
        Assert.Equal("pve-shared", lines[2]);
        Assert.StartsWith("Linux pve-shared 6.5.13-6-pve #1 SMP", lines[3], StringComparison.Ordinal);
        Assert.EndsWith("x86_64 GNU/Linux", lines[3], StringComparison.Ordinal);
        Assert.Equal("pve-manager/8.2.4/faa83925c9641325 (running kernel: 6.5.13-6-pve)", lines[4]);
        Assert.Equal("proxmox-ve: 8.2.4 (running kernel: 6.5.13-6-pve)", lines[5]);
        Assert.Equal("pve-manager: 8.2.4 (running version: 8.2.4/faa83925c9641325)", lines[6]);
        Assert.Equal("SecureBoot disabled", lines[7]);
    }

    [NodeFact]
    public void Iommu_shows_in_cmdline_dmesg_and_sysfs()
    {
        var node = fixture.Require();
        var (_, output, _) = NodeSsh.Run(node, "cat /proc/cmdline; dmesg | grep -e DMAR -e IOMMU; ls /sys/class/iommu; cat /sys/bus/pci/devices/0000:01:00.0/vendor /sys/bus/pci/devices/0000:01:00.0/device; ls -d /sys/firmware/efi; ls /sys/bus/pci/devices/0000:01:00.0/ | grep -c mdev_supported_types");
        Assert.Contains("intel_iommu=on iommu=pt", output, StringComparison.Ordinal);
        Assert.Contains("DMAR: IOMMU enabled", output, StringComparison.Ordinal);
        Assert.Contains("dmar0", output, StringComparison.Ordinal);
        Assert.Contains("0x10de\n0x1b38\n", output, StringComparison.Ordinal);
        Assert.Contains("/sys/firmware/efi\n", output, StringComparison.Ordinal);
        Assert.EndsWith("0\n", output, StringComparison.Ordinal); // no mdev types before a driver is loaded
    }

    [NodeFact]
    public async Task A_node_without_iommu_and_with_secure_boot_and_other_gpus_says_so()
    {
        await using var node = await SimulatedNode.StartAsync(new NodeOptions
        {
            Hostname = "pve-noiommu",
            IommuEnabled = false,
            SecureBoot = true,
            RunningKernel = "6.5.11-8-pve",
            InstalledKernels = ["6.5.11-8-pve", "6.8.12-4-pve"],
            Gpus = [new GpuDevice("0000:01:00.0", "rtx-2080ti"), new GpuDevice("0000:41:00.0", "rtx-a5000")],
            Preseed = new Dictionary<string, PreseedFile> { ["etc/vgpu_unlock/config.toml"] = PreseedFile.Text("unlock = true\n") },
        }, CancellationToken.None);

        var (_, output, _) = NodeSsh.Run(node,
            "cat /proc/cmdline; dmesg | grep -c 'DMAR: IOMMU enabled'; ls /sys/class/iommu | wc -l; mokutil --sb-state; uname -r; " +
            "cat /sys/bus/pci/devices/0000:41:00.0/device /sys/bus/pci/devices/0000:41:00.0/sriov_totalvfs /sys/bus/pci/devices/0000:01:00.0/device; " +
            "cat /etc/vgpu_unlock/config.toml; ls /boot/vmlinuz-*; grep NODESIM_KERNELS /etc/nodesim/identity.env");
        var lines = output.Split('\n');
        Assert.DoesNotContain("intel_iommu=on", lines[0], StringComparison.Ordinal);
        Assert.Equal("0", lines[1]);
        Assert.Equal("0", lines[2]);
        Assert.Equal("SecureBoot enabled", lines[3]);
        Assert.Equal("6.5.11-8-pve", lines[4]);
        Assert.Equal("0x2231", lines[5]);
        Assert.Equal("24", lines[6]);
        Assert.Equal("0x1e07", lines[7]);
        Assert.Equal("unlock = true", lines[8]);
        Assert.Contains("/boot/vmlinuz-6.8.12-4-pve", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_gpu_models_are_rejected_with_the_known_ones()
    {
        if (NodeHostRequirements.WhyUnavailable() is not null)
        {
            return;
        }

        var e = await Assert.ThrowsAsync<ArgumentException>(() =>
            SimulatedNode.StartAsync(new NodeOptions { Gpus = [new GpuDevice("0000:01:00.0", "voodoo-2")] }, CancellationToken.None));
        Assert.Contains("tesla-p40", e.Message, StringComparison.Ordinal);
    }
}
