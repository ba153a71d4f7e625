using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

/// <summary>
/// The simulated node prints the real formats of issue 14: the multi-GPU <c>nvidia-smi vgpu</c> table (a border after every
/// GPU), <c>nvidia-smi vgpu -q</c> with the vGPU's own UUID, <c>N/A (Expiry: N/A)</c> before the guest driver loads and the
/// 580 branch's Placement ID without an MDEV UUID line, and <c>qm start</c>'s command-line "start failed: ..." ending.
/// </summary>
public sealed class VgpuRealFormatTests
{
    private const string Mdev = "00000000-0000-0000-0000-000000000100";

    private static async Task<SimulatedNode> TwoP40sWithDriverAsync(string version)
    {
        var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions
        {
            Gpus = [new GpuDevice("0000:01:00.0", "tesla-p40"), new GpuDevice("0000:02:00.0", "tesla-p40")],
        }));
        var run = DriverNodes.UploadInstaller(node, version, new FakeInstallerOptions { KernelMax = "6.8", LoadModulesNow = true });
        DriverNodes.Ok(node, run + " --dkms -s");
        DriverNodes.Ok(node, "printf 'name: win10\\nsmbios1: uuid=c2691234-1111-2222-3333-444455556666\\n' > /etc/pve/qemu-server/100.conf");
        DriverNodes.Ok(node, $"echo {Mdev} > /sys/bus/pci/devices/0000:02:00.0/mdev_supported_types/nvidia-46/create && /usr/lib/nodesim/fake-kernel.sh /sys");
        return node;
    }

    [NodeFact]
    public async Task Vgpu_table_closes_every_gpus_block_with_a_border_and_query_shows_the_guest_as_not_yet_loaded()
    {
        await using var node = await TwoP40sWithDriverAsync("535.129.03");

        var table = DriverNodes.Ok(node, "nvidia-smi vgpu").TrimEnd().Split('\n');
        var border = RealOutputSamples.Read("nvidia-smi-vgpu", "greendamtan-fnos-2080ti-550.90.07-active-vgpu.txt").TrimEnd().Split('\n')[^1].TrimEnd();
        var rows = table.SkipWhile(l => !l.StartsWith("|=", StringComparison.Ordinal)).Skip(1).Select(l => l.TrimEnd()).ToArray();
        Assert.Equal(5, rows.Length);
        Assert.StartsWith("|   0  Tesla P40", rows[0], StringComparison.Ordinal);
        Assert.Equal(border, rows[1]);
        Assert.StartsWith("|   1  Tesla P40", rows[2], StringComparison.Ordinal);
        Assert.Contains("GRID P40-1Q", rows[3], StringComparison.Ordinal);
        Assert.Equal(border, rows[4]);

        var query = DriverNodes.Ok(node, "nvidia-smi vgpu -q");
        Assert.Contains("GPU 00000000:01:00.0\n    Active vGPUs                          : 0\nGPU 00000000:02:00.0\n    Active vGPUs                          : 1\n", query, StringComparison.Ordinal);
        Assert.Contains($"        MDEV UUID                         : {Mdev}\n", query, StringComparison.Ordinal);
        var vgpuUuid = query.Split('\n').Single(l => l.TrimStart().StartsWith("vGPU UUID", StringComparison.Ordinal)).Split(':', 2)[1].Trim();
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", vgpuUuid);
        Assert.NotEqual(Mdev, vgpuUuid);
        Assert.Contains("        Guest Driver Version              : N/A\n        License Status                    : N/A (Expiry: N/A)\n", query, StringComparison.Ordinal);
    }

    [NodeFact]
    public async Task Branch_580_query_has_placement_id_and_no_mdev_uuid()
    {
        // 580 supports no Pascal card: an Ampere SR-IOV card with a vGPU on its first VF (mdev on VFs: kernel before 6.8)
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions
        {
            RunningKernel = "6.5.13-6-pve",
            Gpus = [new GpuDevice("0000:41:00.0", "rtx-a5000")],
        }));
        var run = DriverNodes.UploadInstaller(node, "580.65.05", new FakeInstallerOptions { KernelMax = "6.8", LoadModulesNow = true });
        DriverNodes.Ok(node, run + " --dkms -s");
        DriverNodes.Ok(node, "/usr/lib/nvidia/sriov-manage -e ALL");
        DriverNodes.Ok(node, "printf 'name: win10\\n' > /etc/pve/qemu-server/100.conf");
        DriverNodes.Ok(node, $"t=$(ls /sys/bus/pci/devices/0000:41:00.4/mdev_supported_types | head -n1) && echo {Mdev} > /sys/bus/pci/devices/0000:41:00.4/mdev_supported_types/$t/create && /usr/lib/nodesim/fake-kernel.sh /sys");

        var query = DriverNodes.Ok(node, "nvidia-smi vgpu -q");

        Assert.StartsWith("GPU 00000000:41:00.0\n    Active vGPUs                          : 1\n", query, StringComparison.Ordinal);
        Assert.DoesNotContain("MDEV UUID", query, StringComparison.Ordinal);
        Assert.Matches(@"\n        GPU Instance ID                   : N/A\n        Placement ID                      : [0-3]\n", query);
        Assert.Contains("        VM Name                           : win10,debug-threads=on\n", query, StringComparison.Ordinal);
    }

    [NodeFact]
    public async Task Qm_start_on_the_command_line_ends_with_start_failed_not_the_task_logs_prefix()
    {
        await using var node = await TwoP40sWithDriverAsync("535.129.03");
        // two VMs want the P40's only 24Q instance on GPU 1
        DriverNodes.Ok(node, "for id in 101 102; do printf 'name: vm%s\\nmachine: q35\\nhostpci0: 0000:01:00.0,mdev=nvidia-53,pcie=1\\n' $id > /etc/pve/qemu-server/$id.conf; done");
        DriverNodes.Ok(node, "qm start 101");

        var second = DriverNodes.Run(node, "qm start 102");

        Assert.NotEqual(0, second.Exit);
        var said = (second.Err + second.Out).TrimEnd();
        Assert.EndsWith("start failed: QEMU exited with code 1", said, StringComparison.Ordinal);
        Assert.DoesNotContain("TASK ERROR", said, StringComparison.Ordinal);
        Assert.Contains("no available instances", said, StringComparison.Ordinal);
    }
}
