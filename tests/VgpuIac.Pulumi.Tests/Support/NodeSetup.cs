using VgpuIac.NodeSim;

namespace VgpuIac.Pulumi.Tests.Support;

/// <summary>Prepares a simulated node by hand, the way the tutorial does, for tests of resources that need a host driver.</summary>
public static class NodeSetup
{
    public const string HostDriverVersion = "535.129.03";

    /// <summary>Blacklists nouveau, reboots, runs the (simulated) installer, reboots. A GeForce offers no vGPU types after this.</summary>
    public static async Task InstallHostDriverByHandAsync(SimulatedNode node)
    {
        await node.ExecCheckedAsync("printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u >/dev/null");
        await node.RebootAsync();
        var r = await node.ExecAsync("cat > /root/installer.run && sh /root/installer.run $(command -v dkms >/dev/null && echo --dkms) -s", standardInput: FakeInstaller.Content(HostDriverVersion));
        Assert.True(r.Succeeded, $"installer failed: {r.StandardOutput}\n{r.StandardError}");
        await node.RebootAsync();
    }
}
