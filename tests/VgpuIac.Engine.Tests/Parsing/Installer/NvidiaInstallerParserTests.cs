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

    [Fact]
    public void Dkms_own_bad_return_status_is_a_dkms_build_failure_with_its_kernel_and_make_log()
    {
        const string Text = """
            -> Kernel source path: '/lib/modules/6.8.12-4-pve/build'
            Building module:
            cleaning build area...
            'make' -j2 NV_EXCLUDE_BUILD_MODULES='' KERNEL_UNAME=6.8.12-4-pve modules....(bad exit status: 2)
            Error! Bad return status for module build on kernel: 6.8.12-4-pve (x86_64)
            Consult /var/lib/dkms/nvidia/535.129.03/build/make.log for more information.
            """;

        var report = NvidiaInstallerParser.Parse(Text).Value;

        Assert.Equal(InstallerFailureKind.DkmsBuildFailed, report.Failure);
        Assert.Equal("6.8.12-4-pve", report.DkmsKernel);
        Assert.Equal("/var/lib/dkms/nvidia/535.129.03/build/make.log", report.DkmsMakeLog);
        var advice = NvidiaInstallerParser.Advice(report);
        Assert.Equal(
            "DKMS could not build the kernel module for kernel 6.8.12-4-pve (the compiler's errors are in /var/lib/dkms/nvidia/535.129.03/build/make.log on the node): " +
            "pin a kernel the driver supports (`proxmox-boot-tool kernel pin <version>`), reboot and apply again, or use a driver release that supports this kernel.",
            advice);
    }

    [Fact]
    public void The_installers_failed_to_run_dkms_build_is_a_dkms_build_failure()
    {
        const string Text = """
            ERROR: Failed to run `/usr/sbin/dkms build -m nvidia -v 550.90.05 -k 6.8.12-4-pve`: Error! Bad return status for module build on kernel: 6.8.12-4-pve (x86_64)
                   Consult /var/lib/dkms/nvidia/550.90.05/build/make.log for more information.
            ERROR: Failed to install the kernel module through DKMS. No kernel module was installed; please try installing again without DKMS, or check the DKMS logs for more information.
            ERROR: Installation has failed.  Please see the file '/var/log/nvidia-installer.log' for details.
            """;

        var report = NvidiaInstallerParser.Parse(Text).Value;

        Assert.Equal(InstallerFailureKind.DkmsBuildFailed, report.Failure);
        Assert.Equal(3, report.Errors.Length);
        Assert.Equal("/var/lib/dkms/nvidia/550.90.05/build/make.log", report.DkmsMakeLog);
    }

    [Fact]
    public void Dkms_not_found_is_a_missing_dkms_package_not_a_build_failure()
    {
        // nvidia-installer's run_dkms() when op->utils[DKMS] is unset, then dkms_install_module()'s own error
        const string Text = """
            ERROR: Failed to find dkms on the system!

            ERROR: Failed to install the kernel module through DKMS. No kernel module was
                     installed; please try installing again without DKMS, or check the DKMS
                     logs for more information.

            ERROR: Installation has failed.  Please see the file
                     '/var/log/nvidia-installer.log' for details.
            """;

        var report = NvidiaInstallerParser.Parse(Text).Value;

        Assert.Equal(InstallerFailureKind.DkmsMissing, report.Failure);
        Assert.Equal(3, report.Errors.Length);
        Assert.StartsWith("the installer was run with `--dkms` but the `dkms` package is not installed: install it (`apt-get install dkms`", NvidiaInstallerParser.Advice(report), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(InstallerFailureKind.NouveauInUse, "update-initramfs -u")]
    [InlineData(InstallerFailureKind.KernelHeadersMissing, "proxmox-headers-$(uname -r)")]
    [InlineData(InstallerFailureKind.KernelModuleBuildFailed, "proxmox-boot-tool kernel pin")]
    [InlineData(InstallerFailureKind.UnsupportedKernel, "proxmox-boot-tool kernel pin")]
    [InlineData(InstallerFailureKind.ModuleAlreadyLoaded, "reboot the node")]
    [InlineData(InstallerFailureKind.ModuleSignatureRejected, "Secure Boot")]
    [InlineData(InstallerFailureKind.KernelModuleLoadFailed, "dmesg | grep NVRM")]
    [InlineData(InstallerFailureKind.DkmsMissing, "apt-get install dkms")]
    public void Every_known_failure_has_advice(InstallerFailureKind kind, string expected) =>
        Assert.Contains(expected, NvidiaInstallerParser.Advice(new InstallerReport(kind, null, [], null, null)), StringComparison.Ordinal);

    [Theory]
    [InlineData(InstallerFailureKind.None)]
    [InlineData(InstallerFailureKind.Other)]
    public void Unknown_failures_have_no_advice(InstallerFailureKind kind) =>
        Assert.Null(NvidiaInstallerParser.Advice(new InstallerReport(kind, null, [], null, null)));

    [Fact]
    public void Relevant_lines_are_the_error_lines_and_the_tail()
    {
        var text = string.Join('\n', Enumerable.Range(1, 30).Select(i => $"line {i}")) + "\nERROR: boom\nlast";

        var lines = NvidiaInstallerParser.RelevantLines(text).Split('\n');

        Assert.Equal("ERROR: boom", lines[0]);
        Assert.Equal("last", lines[^1]);
        Assert.Equal(8, lines.Length);
    }
}
