using System.Collections.Immutable;

namespace VgpuIac.Engine.Parsing.Installer;

/// <summary>
/// The outcome of an NVIDIA installer run: the classified failure, the module named in it (if any), the ERROR
/// messages (wrapped continuation lines joined), the installer version from a log header, and the
/// <c>-&gt; Kernel module load error:</c> detail; for a DKMS build failure, the kernel it was built for and the
/// <c>make.log</c> dkms pointed at.
/// </summary>
internal sealed record InstallerReport(
    InstallerFailureKind Failure,
    string? Module,
    ImmutableArray<string> Errors,
    string? InstallerVersion,
    string? KernelModuleLoadError,
    string? DkmsKernel = null,
    string? DkmsMakeLog = null);
