using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

public sealed class DriverInstallerFailureTests
{
    [NodeFact]
    public async Task Installer_for_a_branch_that_does_not_support_the_running_kernel_fails_to_build()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions { RunningKernel = "6.8.12-4-pve" }));
        var old = DriverNodes.UploadInstaller(node, "535.129.03");            // 16.2: kernels up to 6.5

        var dkms = DriverNodes.Run(node, old + " --dkms -s");
        Assert.Equal(1, dkms.Exit);
        Assert.Contains("ERROR: Failed to install the kernel module through DKMS. No kernel module was\n         installed;", dkms.Err, StringComparison.Ordinal);
        Assert.Contains("Error! Bad return status for module build on kernel: 6.8.12-4-pve (x86_64)", DriverNodes.Ok(node, "cat /var/log/nvidia-installer.log"), StringComparison.Ordinal);

        var plain = DriverNodes.Run(node, old + " -s");
        Assert.Equal(1, plain.Exit);
        var sample = RealOutputSamples.Read("nvidia-installer", "protechex-1-gtx1070-building-kernel-modules-failed.txt");
        var firstSampleLine = sample.Split('\n')[0];
        Assert.Contains(firstSampleLine, plain.Err.Replace("\n         ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.False(DriverNodes.Exists(node, "/var/lib/nodesim/driver/installed_version"));
        Assert.False(DriverNodes.Exists(node, "/usr/bin/nvidia-smi"));

        // 16.8 (535.216.01) builds on 6.8
        var newer = DriverNodes.UploadInstaller(node, "535.216.01");
        var ok = DriverNodes.Run(node, newer + " --dkms -s");
        Assert.True(ok.Exit == 0, ok.Err);
        Assert.Equal("535.216.01\n", DriverNodes.Ok(node, "cat /var/lib/nodesim/driver/installed_version"));
    }

    [NodeFact]
    public async Task Dkms_option_without_the_dkms_package_fails_as_the_real_installer_and_installs_nothing()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions()));
        var run = DriverNodes.UploadInstaller(node, "535.129.03", dkmsPackage: false);

        var r = DriverNodes.Run(node, run + " --dkms -s");

        Assert.Equal(1, r.Exit);
        var err = r.Err.Replace("\n         ", " ", StringComparison.Ordinal);
        Assert.Contains("ERROR: Failed to find dkms on the system!\n", err, StringComparison.Ordinal);
        Assert.Contains("ERROR: Failed to install the kernel module through DKMS. No kernel module was installed; please try installing again without DKMS, or check the DKMS logs for more information.", err, StringComparison.Ordinal);
        Assert.Contains("ERROR: Installation has failed.", err, StringComparison.Ordinal);
        Assert.Contains("ERROR: Failed to find dkms on the system!", DriverNodes.Ok(node, "cat /var/log/nvidia-installer.log"), StringComparison.Ordinal);
        Assert.False(DriverNodes.Exists(node, "/var/lib/nodesim/driver/installed_version"));
        Assert.False(DriverNodes.Exists(node, "/usr/bin/nvidia-smi"));
        Assert.False(DriverNodes.Exists(node, "/var/lib/dkms/nvidia"));

        // without --dkms the same installer installs
        Assert.Equal(0, DriverNodes.Run(node, run + " -s").Exit);
        Assert.Equal("535.129.03\n", DriverNodes.Ok(node, "cat /var/lib/nodesim/driver/installed_version"));
    }

    [NodeFact]
    public async Task Uninstall_removes_files_units_dkms_tree_modules_and_mdev_types()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions()));
        var run = DriverNodes.UploadInstaller(node, "535.129.03");
        DriverNodes.Ok(node, run + " --dkms -s");
        await node.RebootAsync();
        Assert.Contains("GRID P40-1Q", DriverNodes.Ok(node, "mdevctl types"), StringComparison.Ordinal);
        Assert.True(DriverNodes.Exists(node, "/var/lib/dkms/nvidia/535.129.03/6.5.13-6-pve"));

        var result = DriverNodes.Run(node, run + " --uninstall -s");
        Assert.True(result.Exit == 0, result.Err);

        foreach (var gone in new[]
                 {
                     "/usr/bin/nvidia-smi", "/usr/bin/nvidia-vgpud", "/usr/bin/nvidia-vgpu-mgr", "/usr/lib/nvidia/sriov-manage",
                     "/lib/systemd/system/nvidia-vgpud.service", "/lib/systemd/system/nvidia-vgpu-mgr.service",
                     "/var/lib/dkms/nvidia", "/usr/src/nvidia-535.129.03", "/lib/modules/6.5.13-6-pve/updates/dkms/nvidia.ko",
                     "/var/lib/nodesim/driver/installed_version", "/sys/bus/pci/devices/0000:01:00.0/mdev_supported_types",
                 })
        {
            Assert.False(DriverNodes.Exists(node, gone), gone + " is still there");
        }

        Assert.DoesNotContain("nvidia", DriverNodes.Ok(node, "lsmod"), StringComparison.Ordinal);
        Assert.Equal("", DriverNodes.Ok(node, "mdevctl types").Trim());
        Assert.Equal(127, DriverNodes.Run(node, "nvidia-smi").Exit);
        Assert.Contains("Uninstallation of existing driver", DriverNodes.Ok(node, "cat /var/log/nvidia-uninstall.log"), StringComparison.Ordinal);

        // nothing left to uninstall
        Assert.Equal(1, DriverNodes.Run(node, run + " --uninstall -s").Exit);
    }

    [NodeFact]
    public async Task Installing_over_another_version_replaces_it_and_loads_now_when_asked()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions()));
        var first = DriverNodes.UploadInstaller(node, "535.104.06");
        DriverNodes.Ok(node, first + " --dkms -s");
        var second = DriverNodes.UploadInstaller(node, "535.129.03", new FakeInstallerOptions { LoadModulesNow = true });

        DriverNodes.Ok(node, second + " --dkms -s");

        Assert.Equal("535.129.03\n", DriverNodes.Ok(node, "cat /var/lib/nodesim/driver/installed_version"));
        Assert.False(DriverNodes.Exists(node, "/var/lib/dkms/nvidia/535.104.06"));
        Assert.False(DriverNodes.Exists(node, "/var/lib/nodesim/driver/pending_reboot"));
        Assert.Equal("535.129.03\n", DriverNodes.Ok(node, "nvidia-smi --query-gpu=driver_version --format=csv,noheader"));
        Assert.Contains("There appears to already be a driver installed on your system (version: 535.104.06)", DriverNodes.Ok(node, "cat /var/log/nvidia-installer.log"), StringComparison.Ordinal);
    }
}
