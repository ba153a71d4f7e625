using VgpuIac.NodeSim;

namespace VgpuIac.Terraform.Tests.Support;

/// <summary>
/// The tutorial's host steps by hand (step 4): the build tools, <c>dkms</c> and <c>mdevctl</c> from apt, nouveau
/// blacklisted, a reboot, the driver's <c>.run</c> with <c>--dkms -s</c>, a reboot; the node then offers vGPU types (a
/// card that needs vgpu_unlock offers them once the unlock is in place). One helper for every test that needs a node
/// whose driver was installed by hand.
/// </summary>
internal static class HandMadeNode
{
    public const string DriverVersion = "535.129.03";

    /// <param name="node">The simulated node.</param>
    /// <param name="dkmsPackage">
    /// False skips <c>apt-get install dkms</c> and runs the installer without <c>--dkms</c> (the real and the simulated
    /// installer refuse <c>--dkms</c> without it): the driver is then not registered with DKMS.
    /// </param>
    /// <param name="version">The driver version the installer carries.</param>
    public static async Task InstallHostDriverAsync(SimulatedNode node, bool dkmsPackage = true, string version = DriverVersion)
    {
        ArgumentNullException.ThrowIfNull(node);
        var packages = dkmsPackage ? "build-essential dkms mdevctl" : "build-essential mdevctl";
        await node.ExecCheckedAsync($"apt-get install -y {packages} >/dev/null");
        await node.ExecCheckedAsync("printf 'blacklist nouveau\\noptions nouveau modeset=0\\n' > /etc/modprobe.d/blacklist-nouveau.conf && update-initramfs -u >/dev/null");
        await node.RebootAsync();
        var r = await node.ExecAsync($"cat > /root/installer.run && sh /root/installer.run {(dkmsPackage ? "--dkms " : string.Empty)}-s", standardInput: FakeInstaller.Content(version));
        Assert.True(r.ExitCode == 0, r.StandardOutput + r.StandardError);
        await node.RebootAsync();
    }

    public static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
