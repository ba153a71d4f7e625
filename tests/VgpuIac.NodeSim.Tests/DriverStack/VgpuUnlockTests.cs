using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

public sealed class VgpuUnlockTests
{
    private const string Library = "/opt/vgpu_unlock-rs/target/release/libvgpu_unlock_rs.so";

    [NodeFact]
    public async Task Unlockable_geforce_gets_vgpu_types_only_while_nvidia_vgpud_runs_with_the_vgpu_unlock_preload()
    {
        await using var node = await DriverNodes.StartAsync(DriverNodes.Blacklisted(new NodeOptions { Gpus = [new GpuDevice("0000:01:00.0", "gtx-1080")] }));
        var run = DriverNodes.UploadInstaller(node, "535.129.03", new FakeInstallerOptions { Flavor = "vgpu-kvm-custom" });
        DriverNodes.Ok(node, run + " --dkms -m=kernel -s");
        await node.RebootAsync();

        // driver live, but without vgpu_unlock the GeForce is no vGPU device
        Assert.Contains("NVIDIA GeForce GTX 1080", DriverNodes.Ok(node, "nvidia-smi"), StringComparison.Ordinal);
        Assert.Equal("", DriverNodes.Ok(node, "mdevctl types").Trim());
        Assert.Equal("No supported devices in vGPU mode\n", DriverNodes.Ok(node, "nvidia-smi vgpu"));
        Assert.Contains("        Virtualization Mode               : None\n", DriverNodes.Ok(node, "nvidia-smi -q"), StringComparison.Ordinal);

        // the vgpu_unlock-rs drop-in: restart nvidia-vgpud and the spoofed P40 types appear
        DriverNodes.Ok(node, $"mkdir -p {Path.GetDirectoryName(Library)} && cp /usr/lib/x86_64-linux-gnu/libdl.so.2 {Library} 2>/dev/null || : > {Library}");
        DriverNodes.Ok(node, "mkdir -p /etc/systemd/system/nvidia-vgpud.service.d && printf '[Service]\\nEnvironment=LD_PRELOAD=" + Library + "\\n' > /etc/systemd/system/nvidia-vgpud.service.d/vgpu_unlock.conf");
        DriverNodes.Ok(node, "systemctl daemon-reload && systemctl restart nvidia-vgpud.service");

        Assert.Contains("    Name: GRID P40-1Q\n", DriverNodes.Ok(node, "mdevctl types"), StringComparison.Ordinal);
        Assert.Contains("        Virtualization Mode               : Host VGPU\n", DriverNodes.Ok(node, "nvidia-smi -q"), StringComparison.Ordinal);

        // it survives a reboot (vgpud starts again with the drop-in), and goes away with the library
        await node.RebootAsync();
        Assert.Contains("GRID P40-1Q", DriverNodes.Ok(node, "mdevctl types"), StringComparison.Ordinal);
        DriverNodes.Ok(node, "rm -f " + Library);
        await node.RebootAsync();
        Assert.Equal("", DriverNodes.Ok(node, "mdevctl types").Trim());
    }
}
