using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

public sealed class KernelAndModuleTests
{
    [NodeFact]
    public async Task Pinning_an_older_kernel_lets_an_older_branch_build_and_unpinning_loses_the_driver_again()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions
        {
            RunningKernel = "6.8.12-4-pve",
            InstalledKernels = ["6.5.13-6-pve", "6.8.12-4-pve"],
            HeaderPackages = ["proxmox-headers-6.8.12-4-pve"],
        }));
        var run = DriverNodes.UploadInstaller(node, "535.129.03");
        Assert.Equal(1, DriverNodes.Run(node, run + " --dkms -s").Exit);

        Assert.Contains("Setting '6.5.13-6-pve' as grub default entry", DriverNodes.Ok(node, "proxmox-boot-tool kernel pin 6.5.13-6-pve"), StringComparison.Ordinal);
        Assert.Contains("\nPinned kernel:\n6.5.13-6-pve\n", DriverNodes.Ok(node, "proxmox-boot-tool kernel list"), StringComparison.Ordinal);
        Assert.Equal(1, DriverNodes.Run(node, "proxmox-boot-tool kernel pin 9.9.9-1-pve").Exit);
        await node.RebootAsync();
        Assert.Equal("6.5.13-6-pve\n", DriverNodes.Ok(node, "uname -r"));

        DriverNodes.Ok(node, "apt-get install -y proxmox-headers-$(uname -r)");
        DriverNodes.Ok(node, run + " --dkms -s");
        await node.RebootAsync();
        Assert.Contains("Driver Version: 535.129.03", DriverNodes.Ok(node, "nvidia-smi"), StringComparison.Ordinal);

        // back on 6.8 DKMS cannot rebuild 16.2: the driver is installed but not loaded
        DriverNodes.Ok(node, "proxmox-boot-tool kernel unpin");
        await node.RebootAsync();
        Assert.Equal("6.8.12-4-pve\n", DriverNodes.Ok(node, "uname -r"));
        Assert.Equal(9, DriverNodes.Run(node, "nvidia-smi").Exit);
        Assert.DoesNotContain("nvidia", DriverNodes.Ok(node, "lsmod"), StringComparison.Ordinal);
        var noModule = DriverNodes.Run(node, "modprobe nvidia");
        Assert.Equal(1, noModule.Exit);
        Assert.Equal("modprobe: FATAL: Module nvidia not found in directory /lib/modules/6.8.12-4-pve\n", noModule.Err);
    }

    [NodeFact]
    public async Task Modprobe_rmmod_and_lsmod_follow_module_dependencies_and_the_nouveau_conflict()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions()));
        var run = DriverNodes.UploadInstaller(node, "535.129.03");
        DriverNodes.Ok(node, run + " --dkms -s");

        // nouveau grabs the GPU first: nvidia cannot bind
        DriverNodes.Ok(node, "modprobe nouveau");
        var busy = DriverNodes.Run(node, "modprobe nvidia");
        Assert.Equal(1, busy.Exit);
        Assert.Equal("modprobe: ERROR: could not insert 'nvidia': No such device\n", busy.Err);
        Assert.Contains("NVRM: GPU 0000:01:00.0 is already bound to nouveau.", DriverNodes.Ok(node, "dmesg"), StringComparison.Ordinal);

        DriverNodes.Ok(node, "modprobe -r nouveau");
        DriverNodes.Ok(node, "modprobe nvidia-vgpu-vfio");
        Assert.False(DriverNodes.Exists(node, "/var/lib/nodesim/driver/pending_reboot"));
        var lsmod = DriverNodes.Ok(node, "lsmod").Split('\n');
        Assert.Equal("Module                  Size  Used by", lsmod[0]);
        Assert.Contains(lsmod, l => l.StartsWith("nvidia ", StringComparison.Ordinal) && l.EndsWith(" 1 nvidia_vgpu_vfio", StringComparison.Ordinal));
        Assert.DoesNotContain(lsmod, l => l.StartsWith("nouveau", StringComparison.Ordinal));
        Assert.Contains("GRID P40-1Q", DriverNodes.Ok(node, "mdevctl types"), StringComparison.Ordinal);
        Assert.Equal("535.129.03\n", DriverNodes.Ok(node, "cat /sys/module/nvidia/version"));

        var inUse = DriverNodes.Run(node, "rmmod nvidia");
        Assert.Equal(1, inUse.Exit);
        Assert.Equal("rmmod: ERROR: Module nvidia is in use by: nvidia_vgpu_vfio\n", inUse.Err);
        Assert.Equal("modprobe: FATAL: Module vfio_virqfd not found in directory /lib/modules/6.5.13-6-pve\n", DriverNodes.Run(node, "modprobe vfio_virqfd").Err);

        DriverNodes.Ok(node, "rmmod nvidia_vgpu_vfio && rmmod nvidia");
        Assert.Equal("", DriverNodes.Ok(node, "mdevctl types").Trim());
        Assert.Equal(9, DriverNodes.Run(node, "nvidia-smi").Exit);
    }

    [NodeFact]
    public async Task Secure_boot_rejects_unsigned_modules_until_the_install_is_signed()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions { SecureBoot = true }));
        var run = DriverNodes.UploadInstaller(node, "535.129.03");
        DriverNodes.Ok(node, run + " --dkms -s");
        await node.RebootAsync();

        Assert.Equal(9, DriverNodes.Run(node, "nvidia-smi").Exit);
        Assert.Equal("modprobe: ERROR: could not insert 'nvidia': Key was rejected by service\n", DriverNodes.Run(node, "modprobe nvidia").Err);

        DriverNodes.Ok(node, run + " --dkms -s --module-signing-secret-key=/root/mok.key --module-signing-public-key=/root/mok.der");
        await node.RebootAsync();
        Assert.Equal(0, DriverNodes.Run(node, "nvidia-smi").Exit);
    }

    [NodeFact]
    public async Task Sriov_card_exposes_vgpu_types_on_its_virtual_functions_after_sriov_manage()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions
        {
            RunningKernel = "6.8.12-4-pve",
            Gpus = [new GpuDevice("0000:41:00.0", "rtx-a5000")],
        }));
        var run = DriverNodes.UploadInstaller(node, "550.144.02", new FakeInstallerOptions { LoadModulesNow = true });
        DriverNodes.Ok(node, run + " --dkms -s");

        Assert.Equal("", DriverNodes.Ok(node, "mdevctl types").Trim());
        Assert.Single(DriverNodes.Ok(node, "lspci -d 10de:").Trim().Split('\n'));
        Assert.Contains("        Host VGPU Mode                    : SR-IOV\n", DriverNodes.Ok(node, "nvidia-smi -q"), StringComparison.Ordinal);

        Assert.Contains("0000:41:00.0", DriverNodes.Ok(node, "/usr/lib/nvidia/sriov-manage -e ALL"), StringComparison.Ordinal);

        var vfs = DriverNodes.Ok(node, "lspci -d 10de:").Trim().Split('\n');
        var total = int.Parse(DriverNodes.Ok(node, "cat /sys/bus/pci/devices/0000:41:00.0/sriov_totalvfs"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(total + 1, vfs.Length);
        Assert.StartsWith("41:00.4 ", vfs[1], StringComparison.Ordinal);
        Assert.Equal("../0000:41:00.0\n", DriverNodes.Ok(node, "readlink /sys/bus/pci/devices/0000:41:00.4/physfn"));
        var creatable = DriverNodes.Ok(node, "cat /sys/bus/pci/devices/0000:41:00.4/nvidia/creatable_vgpu_types").Split('\n');
        Assert.StartsWith("ID", creatable[0], StringComparison.Ordinal);
        Assert.Matches(@"^\d+ +: NVIDIA RTXA5000-\d+[QBAC]$", creatable[1]);
        Assert.Equal("0\n", DriverNodes.Ok(node, "cat /sys/bus/pci/devices/0000:41:00.4/nvidia/current_vgpu_type"));
        Assert.Equal("", DriverNodes.Ok(node, "mdevctl types").Trim());       // kernel >= 6.8: no mdev on VFs

        // not persistent: after a reboot the VFs are gone until sriov-manage runs again
        await node.RebootAsync();
        Assert.False(DriverNodes.Exists(node, "/sys/bus/pci/devices/0000:41:00.4"));
    }
}
