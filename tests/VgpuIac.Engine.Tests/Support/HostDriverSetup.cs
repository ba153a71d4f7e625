using VgpuIac.NodeSim;

namespace VgpuIac.Engine.Tests.Support;

/// <summary>Brings a simulated node to "host driver installed and loaded" the way the tutorial does it by hand
/// (blacklist nouveau, reboot, run the installer), for tests of resources that need vGPU types on the node.</summary>
public static class HostDriverSetup
{
    public const string Version = "535.129.03";

    public static async Task InstallAsync(SimulatedNode node, CancellationToken ct = default)
    {
        await node.ExecCheckedAsync("printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u >/dev/null", ct);
        await node.RebootAsync(ct: ct);
        var installer = FakeInstaller.Content(Version);
        var r = await node.ExecAsync("cat > /root/installer.run && sh /root/installer.run $(command -v dkms >/dev/null && echo --dkms) -s", ct, installer);
        Assert.True(r.ExitCode == 0, $"installer failed: {r.StandardOutput}\n{r.StandardError}");
        await node.RebootAsync(ct: ct);
        var types = await node.ExecCheckedAsync("mdevctl types", ct);
        Assert.Contains("GRID P40-1Q", types, StringComparison.Ordinal);
    }
}
