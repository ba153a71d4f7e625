using VgpuIac.Engine.Parsing.Installer;

namespace VgpuIac.Engine.Tests.Parsing.Installer;

public sealed class NvidiaInstallerParserTests
{
    private const string Kind = "nvidia-installer";

    public static TheoryData<string> Files => RealOutputs.Names(Kind);

    [Theory]
    [MemberData(nameof(Files))]
    public void Reads_every_real_sample(string file)
    {
        var r = NvidiaInstallerParser.Parse(RealOutputs.Read(Kind, file));
        var v = r.Value;
        switch (file)
        {
            case "anomixer-21-unable-to-load-nvidia-vgpu-vfio.txt":
                Assert.Equal(InstallerFailureKind.KernelModuleLoadFailed, v.Failure);
                Assert.Equal("nvidia-vgpu-vfio.ko", v.Module);
                Assert.Equal("No such file or directory", v.KernelModuleLoadError);
                Assert.Single(v.Errors);
                Assert.Single(r.Warnings);
                break;
            case "azure-ethereum-2-nouveau-in-use.txt":
                Assert.Equal(InstallerFailureKind.NouveauInUse, v.Failure);
                var e = Assert.Single(v.Errors);
                Assert.StartsWith("The Nouveau kernel driver is currently in use by your system.", e, StringComparison.Ordinal);
                Assert.EndsWith("disable the Nouveau kernel driver.", e, StringComparison.Ordinal);
                break;
            case "libvf-io-20-installer-log-nvidia-drm-already-loaded.txt":
                Assert.Equal(InstallerFailureKind.ModuleAlreadyLoaded, v.Failure);
                Assert.Equal("nvidia-drm", v.Module);
                Assert.Equal("460.73.01", v.InstallerVersion);
                break;
            case "protechex-1-gtx1070-building-kernel-modules-failed.txt":
                Assert.Equal(InstallerFailureKind.KernelModuleBuildFailed, v.Failure);
                Assert.Equal(3, v.Errors.Length);
                Assert.EndsWith("See /var/log/nvidia-installer.log for details.", v.Errors[1], StringComparison.Ordinal);
                Assert.Null(v.Module);
                break;
            default:
                Assert.Fail($"no expectation written for {Kind}/{file}");
                break;
        }
    }

    [Theory]
    [InlineData("ERROR: Unable to find the kernel source tree for the currently running kernel.  Please make sure you have installed the kernel source files for your kernel", InstallerFailureKind.KernelHeadersMissing)]
    [InlineData("ERROR: Unable to load the 'nvidia-vgpu-vfio' kernel module.\n[  1.0] nvidia: module verification failed: signature and/or required key missing", InstallerFailureKind.ModuleSignatureRejected)]
    [InlineData("ERROR: Installation has failed.", InstallerFailureKind.Other)]
    [InlineData("Installation of the NVIDIA Accelerated Graphics Driver for Linux-x86_64 (version: 535.129.03) is now complete.", InstallerFailureKind.None)]
    [InlineData("", InstallerFailureKind.None)]
    public void Classifies(string text, InstallerFailureKind kind) => Assert.Equal(kind, NvidiaInstallerParser.Parse(text).Value.Failure);
}
