using VgpuIac.Engine.Host;

namespace VgpuIac.Engine.Tests.Host;

public sealed class KernelCompatibilityTests
{
    private static NodeFacts Node(string running, params string[] installed) =>
        new() { NodeName = "pve1", RunningKernel = running, DefaultKernel = running, InstalledKernels = [.. installed] };

    [Fact]
    public void TutorialDriverOnKernel68SuggestsPinningInstalled65()
    {
        var check = KernelCompatibility.Check(DriverVersion.TryParse("535.129.03")!, DriverFlavour.Stock, Node("6.8.12-4-pve", "6.5.11-8-pve", "6.5.13-6-pve", "6.8.12-4-pve"));

        Assert.False(check.IsCompatible);
        Assert.Equal(["6.8.12-4-pve"], check.IncompatibleKernels.ToArray());
        Assert.Equal("6.5.13-6-pve", check.KernelToPin);
        Assert.Contains("proxmox-boot-tool kernel pin 6.5.13-6-pve", check.Remedy(), StringComparison.Ordinal);
    }

    [Fact]
    public void NoCompatibleKernelInstalledSaysWhichSeriesToInstall()
    {
        var check = KernelCompatibility.Check(DriverVersion.TryParse("535.129.03")!, DriverFlavour.Stock, Node("6.8.12-4-pve", "6.8.12-4-pve"));

        Assert.Null(check.KernelToPin);
        Assert.Contains("proxmox-kernel-6.5", check.Remedy(), StringComparison.Ordinal);
        Assert.Contains("proxmox-boot-tool kernel pin", check.Remedy(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("535.230.02", DriverFlavour.Stock, "6.8.12-4-pve", true)]
    [InlineData("535.230.02", DriverFlavour.Stock, "6.14.8-2-pve", false)]
    [InlineData("535.230.02", DriverFlavour.Unlock, "6.8.12-4-pve", false)]
    [InlineData("550.144.02", DriverFlavour.Unlock, "6.8.12-4-pve", false)]
    [InlineData("550.163.02", DriverFlavour.Unlock, "6.8.12-4-pve", true)]
    [InlineData("580.82.02", DriverFlavour.Stock, "6.17.2-1-pve", false)]
    [InlineData("595.58.02", DriverFlavour.Stock, "7.0.14-14-pve", true)]
    [InlineData("535.129.03", DriverFlavour.Stock, "6.5.13-6-pve", true)]
    public void Windows(string driver, DriverFlavour flavour, string kernel, bool compatible)
    {
        var check = KernelCompatibility.Check(DriverVersion.TryParse(driver)!, flavour, Node(kernel, kernel));

        Assert.Equal(compatible, check.IsCompatible);
    }

    [Fact]
    public void UnknownBranchIsNotJudged()
    {
        var check = KernelCompatibility.Check(DriverVersion.TryParse("390.144")!, DriverFlavour.Stock, Node("6.8.12-4-pve"));

        Assert.False(check.IsKnown);
        Assert.False(check.IsCompatible);
    }

    [Theory]
    [InlineData("NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm-patched.run", "535.129.03")]
    [InlineData("NVIDIA-Linux-x86_64-595.58.02-vgpu-kvm.run", "595.58.02")]
    [InlineData("driver.run", null)]
    public void VersionFromInstallerName(string file, string? version) =>
        Assert.Equal(version, DriverVersion.FromInstallerFileName(file)?.Text);

    [Fact]
    public void KernelVersionsCompareNumerically()
    {
        Assert.True(KernelVersion.TryParse("6.8.12-10-pve")!.CompareTo(KernelVersion.TryParse("6.8.12-9-pve")) > 0);
        Assert.True(KernelVersion.TryParse("6.14.8-2-pve")!.CompareTo(KernelVersion.TryParse("6.8.12-9-pve")) > 0);
        Assert.Null(KernelVersion.TryParse("not a kernel; rm -rf /"));
    }
}
