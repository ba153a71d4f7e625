using VgpuIac.NodeSim;

namespace VgpuIac.NodeSim.Tests.DriverStack;

public sealed class FakeInstallerTests
{
    [Theory]
    [InlineData("510.108.03", false, "4.15", "5.15")]
    [InlineData("525.147.01", false, "4.15", "6.2")]
    [InlineData("535.129.03", false, "4.15", "6.5")]
    [InlineData("535.216.01", false, "4.15", "6.8")]
    [InlineData("535.230.02", true, "4.15", "6.5")]
    [InlineData("550.144.02", false, "5.4", "6.8")]
    [InlineData("550.144.02", true, "4.15", "6.5")]
    [InlineData("550.163.02", true, "5.4", "6.11")]
    [InlineData("570.124.03", false, "5.4", "6.14")]
    [InlineData("580.65.05", false, "5.4", "6.16")]
    [InlineData("595.58.02", false, "6.1", "7.99")]
    public void Kernel_window_follows_the_branch(string version, bool patched, string min, string max) =>
        Assert.Equal((min, max), FakeInstaller.KernelRange(version, patched));

    [Fact]
    public void Write_names_the_file_like_the_real_package_and_embeds_version_and_window()
    {
        var dir = Directory.CreateTempSubdirectory("fake-installer-");
        try
        {
            var path = FakeInstaller.Write(dir.FullName, "535.129.03");
            var custom = FakeInstaller.Write(dir.FullName, "535.129.03", new FakeInstallerOptions { Flavor = "vgpu-kvm-custom", KernelMax = "6.8" });

            Assert.Equal("NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm.run", Path.GetFileName(path));
            Assert.Equal("NVIDIA-Linux-x86_64-535.129.03-vgpu-kvm-custom.run", Path.GetFileName(custom));
            var text = File.ReadAllText(path);
            Assert.StartsWith("#!/bin/sh\n", text, StringComparison.Ordinal);
            Assert.Contains("NV_VERSION='535.129.03'\n", text, StringComparison.Ordinal);
            Assert.Contains("NV_KERNEL_MAX='6.5'\n", text, StringComparison.Ordinal);
            Assert.Contains("NV_KERNEL_MAX='6.8'\n", File.ReadAllText(custom), StringComparison.Ordinal);
            if (!OperatingSystem.IsWindows())
            {
                Assert.True(File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute));
            }

            Assert.True(new FileInfo(path).Length < 4096);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Sha256_is_stable_for_the_same_inputs_and_differs_between_versions()
    {
        var dir = Directory.CreateTempSubdirectory("fake-installer-");
        try
        {
            var a = FakeInstaller.Write(Path.Combine(dir.FullName, "a.run"), "535.129.03");
            var b = FakeInstaller.Write(Path.Combine(dir.FullName, "b.run"), "535.129.03");
            var c = FakeInstaller.Write(Path.Combine(dir.FullName, "c.run"), "535.161.05");

            Assert.Matches("^[0-9a-f]{64}$", FakeInstaller.Sha256(a));
            Assert.Equal(FakeInstaller.Sha256(a), FakeInstaller.Sha256(b));
            Assert.NotEqual(FakeInstaller.Sha256(a), FakeInstaller.Sha256(c));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("535")]
    [InlineData("535.129.03; rm -rf /")]
    public void Invalid_versions_are_rejected(string version) =>
        Assert.Throws<ArgumentException>(() => FakeInstaller.Content(version));
}
