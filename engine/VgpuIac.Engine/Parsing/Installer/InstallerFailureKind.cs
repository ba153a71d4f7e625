namespace VgpuIac.Engine.Parsing.Installer;

/// <summary>Why an NVIDIA <c>.run</c> installer failed, from its output or <c>/var/log/nvidia-installer.log</c>.</summary>
public enum InstallerFailureKind
{
    /// <summary>No ERROR line found.</summary>
    None,

    /// <summary>"The Nouveau kernel driver is currently in use": blacklist nouveau, rebuild initramfs, reboot.</summary>
    NouveauInUse,

    /// <summary>"An NVIDIA kernel module 'x' appears to already be loaded": stop users of the old driver / reboot.</summary>
    ModuleAlreadyLoaded,

    /// <summary>Kernel headers / source tree not found: install <c>proxmox-headers-$(uname -r)</c>.</summary>
    KernelHeadersMissing,

    /// <summary>The kernel module did not compile (often a kernel too new for the driver).</summary>
    KernelModuleBuildFailed,

    /// <summary>
    /// DKMS could not build the module: dkms' own "Error! Bad return status for module build on kernel: K (arch)", the
    /// installer's "Failed to run `/usr/sbin/dkms build ...`" or "Failed to install the kernel module through DKMS".
    /// </summary>
    DkmsBuildFailed,

    /// <summary>
    /// <c>--dkms</c> without the dkms tool: the installer's "Failed to find dkms on the system!" (the <c>dkms</c> package
    /// is not installed).
    /// </summary>
    DkmsMissing,

    /// <summary>A built module failed to load (e.g. <c>nvidia-vgpu-vfio.ko</c>); see the kernel messages.</summary>
    KernelModuleLoadFailed,

    /// <summary>"module verification failed" / key rejected: Secure Boot without an enrolled signing key.</summary>
    ModuleSignatureRejected,

    /// <summary>The driver does not support the running kernel.</summary>
    UnsupportedKernel,

    /// <summary>An ERROR we do not classify ("Installation has failed" alone, ...).</summary>
    Other,
}
