using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

/// <summary>The manual procedure on a fresh node, step by step, with the failures a real node gives on the way.</summary>
public sealed class DriverInstallPathTests
{
    [NodeFact]
    public async Task Fresh_node_becomes_a_vgpu_host_only_after_blacklist_reboot_headers_install_and_reboot()
    {
        await using var node = await DriverNodes.StartAsync(new NodeOptions { Hostname = "pve-drv", HeaderPackages = [] });
        var run = DriverNodes.UploadInstaller(node, "535.129.03", dkmsPackage: false);

        // fresh node: no nvidia-smi at all, nouveau drives the P40
        Assert.Equal(127, DriverNodes.Run(node, "nvidia-smi").Exit);
        Assert.Contains("\tKernel driver in use: nouveau\n", DriverNodes.Ok(node, "lspci -nnk -d 10de:"), StringComparison.Ordinal);
        Assert.Contains("nouveau", DriverNodes.Ok(node, "lsmod"), StringComparison.Ordinal);

        // 1. nouveau in use: the real message, and the installer writes its blacklist file
        var first = DriverNodes.Run(node, run + " --dkms -s");
        Assert.Equal(1, first.Exit);
        var nouveau = RealOutputSamples.Read("nvidia-installer", "azure-ethereum-2-nouveau-in-use.txt").Trim('\n');
        var expected = string.Join('\n', nouveau.Split('\n').Select((l, i) => i == 0 ? l.TrimStart() : l));
        Assert.Contains(expected, first.Err, StringComparison.Ordinal);
        Assert.Contains("ERROR: Installation has failed.", first.Err, StringComparison.Ordinal);
        Assert.Contains("blacklist nouveau", DriverNodes.Ok(node, "cat /etc/modprobe.d/nvidia-installer-disable-nouveau.conf"), StringComparison.Ordinal);
        Assert.False(DriverNodes.Exists(node, "/var/lib/nodesim/driver/installed_version"));
        Assert.Contains("nvidia-installer log file '/var/log/nvidia-installer.log'", DriverNodes.Ok(node, "cat /var/log/nvidia-installer.log"), StringComparison.Ordinal);

        // 2. after the reboot nouveau stays out, but the headers of the running kernel are missing
        await node.RebootAsync();
        Assert.DoesNotContain("nouveau", DriverNodes.Ok(node, "lsmod"), StringComparison.Ordinal);
        var second = DriverNodes.Run(node, run + " --dkms -s");
        Assert.Equal(1, second.Exit);
        Assert.Contains("ERROR: Unable to find the kernel source tree for the currently running kernel.", second.Err, StringComparison.Ordinal);

        // 3. headers (and dkms) from apt, then the installer succeeds and waits for a reboot
        Assert.Equal(1, DriverNodes.Run(node, "dpkg-query -W -f='${Status}' dkms").Exit);
        Assert.Contains("Setting up proxmox-headers-6.5.13-6-pve (6.5.13-6) ...", DriverNodes.Ok(node, "apt-get install -y proxmox-headers-$(uname -r)"), StringComparison.Ordinal);
        DriverNodes.Ok(node, "apt-get install -y dkms");
        Assert.Equal("install ok installed 3.0.10-8+deb12u1", DriverNodes.Ok(node, "dpkg-query -W -f='${Status} ${Version}' dkms"));
        var third = DriverNodes.Run(node, run + " --dkms -s");
        Assert.True(third.Exit == 0, third.Err);
        Assert.True(DriverNodes.Exists(node, "/var/lib/nodesim/driver/pending_reboot"));
        Assert.Equal("535.129.03\n", DriverNodes.Ok(node, "cat /var/lib/nodesim/driver/installed_version"));
        Assert.Equal("nvidia/535.129.03, 6.5.13-6-pve, x86_64: installed\n", DriverNodes.Ok(node, "dkms status"));
        var notLoaded = DriverNodes.Run(node, "nvidia-smi");
        Assert.Equal(9, notLoaded.Exit);
        Assert.StartsWith("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.", notLoaded.Out, StringComparison.Ordinal);

        // 4. after the second reboot the driver is live: table, services, mdev types, lspci
        await node.RebootAsync();
        Assert.False(DriverNodes.Exists(node, "/var/lib/nodesim/driver/pending_reboot"));
        var smi = DriverNodes.Ok(node, "nvidia-smi");
        Assert.Contains("| NVIDIA-SMI 535.129.03             Driver Version: 535.129.03   CUDA Version: N/A      |", smi, StringComparison.Ordinal);
        Assert.Contains("|   0  Tesla P40                      On  | 00000000:01:00.0 Off |", smi, StringComparison.Ordinal);
        Assert.Equal("active\n", DriverNodes.Ok(node, "systemctl is-active nvidia-vgpu-mgr"));
        var types = DriverNodes.Ok(node, "mdevctl types");
        Assert.StartsWith("0000:01:00.0\n", types, StringComparison.Ordinal);
        Assert.Contains("  nvidia-46\n    Available instances: 24\n    Device API: vfio-pci\n    Name: GRID P40-1Q\n", types, StringComparison.Ordinal);
        Assert.Contains("\tKernel driver in use: nvidia\n", DriverNodes.Ok(node, "lspci -nnk -d 10de:"), StringComparison.Ordinal);
        Assert.Contains("nvidia_vgpu_vfio", DriverNodes.Ok(node, "lsmod"), StringComparison.Ordinal);

        // the command log tells reads from changes
        var log = await node.ReadCommandLogAsync();
        Assert.Contains(log, e => e.Kind == CommandLogKind.ShimMutate && e.Text.StartsWith("NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run --dkms -s", StringComparison.Ordinal));
        Assert.Contains(log, e => e.Kind == CommandLogKind.ShimRead && e.Text == "nvidia-smi");
        Assert.Contains(log, e => e.Kind == CommandLogKind.ShimMutate && e.Text.StartsWith("apt-get install -y proxmox-headers-", StringComparison.Ordinal));
    }
}
